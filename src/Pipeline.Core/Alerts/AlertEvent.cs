using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Core.Alerts;

/// <summary>An alert transition as a CloudEvent 1.0 (docs/architecture.md, "Alert CloudEvents").</summary>
public sealed record AlertEvent
{
    public const string SpecVersion = "1.0";
    public const string DataContentType = "application/json";

    /// <summary>hash(episode id, transition, sequence): stable across replays, so consumers can drop duplicates.</summary>
    public required string Id { get; init; }

    /// <summary><c>/pipeline/{environment}/rules/{ruleId}</c>.</summary>
    public required string Source { get; init; }

    /// <summary><c>Pipeline.Alert.Fired|Resolved|Escalated|Deescalated|Amended</c>.</summary>
    public required string Type { get; init; }

    /// <summary><c>devices/{key}/rules/{ruleId}</c>, for Event Grid subject filters.</summary>
    public required string Subject { get; init; }

    /// <summary>Event time of the transition.</summary>
    public required DateTimeOffset Time { get; init; }

    public required AlertData Data { get; init; }

    public AlertTransitionKind Kind => Data.Transition;

    /// <summary>
    /// Writer options for alert JSON: characters such as <c>&gt;</c> in conditions are written as themselves, not as
    /// <c>\u003E</c> (the output is JSON for machines and logs, never embedded in HTML).
    /// </summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string TypeName(AlertTransitionKind kind) => "Pipeline.Alert." + kind.ToString();

    /// <summary>Writes the structured-mode CloudEvent JSON object.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("specversion", SpecVersion);
        writer.WriteString("id", Id);
        writer.WriteString("source", Source);
        writer.WriteString("type", Type);
        writer.WriteString("subject", Subject);
        writer.WriteString("time", Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        writer.WriteString("datacontenttype", DataContentType);
        writer.WritePropertyName("data");
        JsonSerializer.Serialize(writer, Data, AlertJsonContext.Default.AlertData);
        writer.WriteEndObject();
    }

    /// <summary>The CloudEvent as one line of JSON (UTF-8).</summary>
    public byte[] ToJsonBytes()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public string ToJson() => System.Text.Encoding.UTF8.GetString(ToJsonBytes());

    /// <summary>Reads a structured-mode CloudEvent written by <see cref="WriteTo"/>.</summary>
    public static AlertEvent Parse(ReadOnlySpan<byte> json)
    {
        var envelope = JsonSerializer.Deserialize(json, AlertJsonContext.Default.CloudEventEnvelope)
            ?? throw new JsonException("CloudEvent is null.");
        if (envelope.SpecVersion != SpecVersion)
        {
            throw new JsonException($"CloudEvent specversion must be {SpecVersion}, not '{envelope.SpecVersion}'.");
        }

        return new AlertEvent
        {
            Id = envelope.Id ?? throw new JsonException("CloudEvent has no id."),
            Source = envelope.Source ?? throw new JsonException("CloudEvent has no source."),
            Type = envelope.Type ?? throw new JsonException("CloudEvent has no type."),
            Subject = envelope.Subject ?? throw new JsonException("CloudEvent has no subject."),
            Time = envelope.Time ?? throw new JsonException("CloudEvent has no time."),
            Data = envelope.Data ?? throw new JsonException("CloudEvent has no data."),
        };
    }
}

/// <summary>The <c>data</c> of an alert CloudEvent.</summary>
public sealed record AlertData
{
    public required string EpisodeId { get; init; }
    public required string RuleId { get; init; }
    public required string RuleVersion { get; init; }
    public required string Key { get; init; }
    public required AlertTransitionKind Transition { get; init; }
    public required Severity Severity { get; init; }
    public required AlertStatus Status { get; init; }

    /// <summary>Monotonic per (rule, key): consumers drop any event whose sequence is not above the last they saw.</summary>
    public required long Sequence { get; init; }

    public double? Value { get; init; }

    /// <summary>The condition that decided, e.g. <c>avg(temperature) &gt; 85</c>.</summary>
    public required string Condition { get; init; }

    public double? Threshold { get; init; }

    /// <summary><c>rule</c>, or the override that supplied the condition, e.g. <c>override:site=plant-7</c>.</summary>
    public required string ConditionSource { get; init; }

    public AlertWindow? Window { get; init; }
    public required AlertEvidence Evidence { get; init; }
    public bool Late { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    public required DateTimeOffset StartsAt { get; init; }
    public DateTimeOffset? EndsAt { get; init; }

    /// <summary>Set only on a recorded transition that was not notified: why (<c>silence s1</c>, <c>inhibited by …</c>).</summary>
    public string? SuppressedBy { get; init; }
}

/// <summary>A window <c>[start, end)</c> behind a windowed alert.</summary>
public sealed record AlertWindow(DateTimeOffset Start, DateTimeOffset End);

/// <summary>What the decision rested on.</summary>
public readonly record struct AlertEvidence(long EventCount, long FirstSequenceNumber, long LastSequenceNumber, string Partition);

internal sealed class CloudEventEnvelope
{
    [JsonPropertyName("specversion")]
    public string? SpecVersion { get; set; }

    [JsonPropertyName("id")]
    public string? Id { get; set; }

    [JsonPropertyName("source")]
    public string? Source { get; set; }

    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("subject")]
    public string? Subject { get; set; }

    [JsonPropertyName("time")]
    public DateTimeOffset? Time { get; set; }

    [JsonPropertyName("data")]
    public AlertData? Data { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(AlertData))]
[JsonSerializable(typeof(CloudEventEnvelope))]
internal sealed partial class AlertJsonContext : JsonSerializerContext;
