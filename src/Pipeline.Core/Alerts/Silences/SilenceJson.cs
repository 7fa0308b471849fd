using System.Globalization;
using System.Text.Json;

namespace Pipeline.Core.Alerts.Silences;

/// <summary>
/// Silences as JSON, the shape of the stored document (<c>{"silences":[…]}</c>) and of the Api:
/// <c>{"id","rule","device","labels","startsAt","endsAt","author","comment"}</c>.
/// </summary>
public static class SilenceJson
{
    public static readonly string[] Fields = ["id", "rule", "device", "labels", "startsAt", "endsAt", "author", "comment"];

    public static byte[] WriteList(IEnumerable<Silence> silences)
    {
        ArgumentNullException.ThrowIfNull(silences);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, AlertEvent.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("silences");
            foreach (var s in silences)
            {
                Write(writer, s);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static void Write(Utf8JsonWriter writer, Silence silence)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(silence);
        writer.WriteStartObject();
        writer.WriteString("id", silence.Id);
        WriteOptional(writer, "rule", silence.RuleId);
        WriteOptional(writer, "device", silence.Device);
        writer.WriteStartObject("labels");
        foreach (var (name, value) in silence.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            writer.WriteString(name, value);
        }

        writer.WriteEndObject();
        writer.WriteString("startsAt", Time(silence.StartsAt));
        writer.WriteString("endsAt", Time(silence.EndsAt));
        writer.WriteString("author", silence.Author);
        writer.WriteString("comment", silence.Comment);
        writer.WriteEndObject();
    }

    public static IReadOnlyList<Silence> ReadList(byte[] document)
    {
        ArgumentNullException.ThrowIfNull(document);
        using var json = JsonDocument.Parse(document);
        if (!json.RootElement.TryGetProperty("silences", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException("The silences document has no 'silences' list.");
        }

        var silences = new List<Silence>();
        foreach (var item in list.EnumerateArray())
        {
            var (silence, errors) = Read(item);
            silences.Add(silence ?? throw new InvalidDataException("A stored silence is unreadable: " + string.Join("; ", errors)));
        }

        return silences;
    }

    /// <summary>
    /// Reads one silence; every problem names its field. The parts become a silence as <see cref="SilenceParts.Build"/>
    /// makes it: a missing <c>id</c> gets <paramref name="newId"/>, a missing <c>startsAt</c> is <paramref name="now"/>.
    /// Validation of the values themselves is <see cref="Silence.Validate"/>.
    /// </summary>
    public static (Silence? Silence, IReadOnlyList<string> Errors) Read(JsonElement element, string? newId = null, DateTimeOffset? now = null)
    {
        var errors = new List<string>();
        if (element.ValueKind != JsonValueKind.Object)
        {
            return (null, ["silence: must be a JSON object with " + string.Join(", ", Fields)]);
        }

        string? id = null, rule = null, device = null, author = null, comment = null;
        DateTimeOffset? startsAt = null, endsAt = null;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "id":
                    id = Text(property, errors);
                    break;
                case "rule":
                    rule = Text(property, errors, nullable: true);
                    break;
                case "device":
                    device = Text(property, errors, nullable: true);
                    break;
                case "author":
                    author = Text(property, errors);
                    break;
                case "comment":
                    comment = Text(property, errors, nullable: true);
                    break;
                case "startsAt":
                    startsAt = Instant(property, errors);
                    break;
                case "endsAt":
                    endsAt = Instant(property, errors);
                    break;
                case "labels" when property.Value.ValueKind == JsonValueKind.Null:
                    break;
                case "labels" when property.Value.ValueKind == JsonValueKind.Object:
                    foreach (var label in property.Value.EnumerateObject())
                    {
                        if (label.Value.ValueKind == JsonValueKind.String)
                        {
                            labels[label.Name] = label.Value.GetString()!;
                        }
                        else
                        {
                            errors.Add($"labels.{label.Name}: must be a string, not {label.Value.ValueKind.ToString().ToLowerInvariant()}");
                        }
                    }

                    break;
                case "labels":
                    errors.Add("labels: must be an object of label names to values, like {\"site\":\"plant-6\"}");
                    break;
                default:
                    errors.Add($"{property.Name}: unknown field; a silence has " + string.Join(", ", Fields));
                    break;
            }
        }

        var (silence, missing) = new SilenceParts
        {
            Id = id, RuleId = rule, Device = device, Labels = labels, StartsAt = startsAt, EndsAt = endsAt, Author = author, Comment = comment,
        }.Build(newId, now);
        errors.AddRange(missing.Select(e => e.ToString()));
        return errors.Count > 0 ? (null, errors) : (silence, []);
    }

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static string? Text(JsonProperty property, List<string> errors, bool nullable = false)
    {
        if (property.Value.ValueKind == JsonValueKind.String)
        {
            return property.Value.GetString();
        }

        if (nullable && property.Value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        errors.Add($"{property.Name}: must be a string, not {property.Value.ValueKind.ToString().ToLowerInvariant()}");
        return null;
    }

    private static DateTimeOffset? Instant(JsonProperty property, List<string> errors)
    {
        if (property.Value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(property.Value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time)
            && (property.Value.GetString()!.EndsWith('Z') || property.Value.GetString()!.Contains('+', StringComparison.Ordinal) || property.Value.GetString()!.LastIndexOf('-') > 9))
        {
            return time;
        }

        errors.Add($"{property.Name}: must be an ISO 8601 time with offset like 2026-01-01T10:00:00Z, not {property.Value.GetRawText()}");
        return null;
    }
}
