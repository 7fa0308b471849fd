using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Core.Events;

namespace Pipeline.Functions.Contract;

/// <summary>What every host invocation carries besides its trigger data (<c>Metadata.sys</c>, <c>Metadata.RetryContext</c>).</summary>
public sealed record InvocationInfo(DateTimeOffset? UtcNow, string? MethodName, int? RetryCount, int? MaxRetryCount = null)
{
    /// <summary>
    /// The last try the function's retry policy allows (<c>RetryContext.RetryCount</c> has reached a finite
    /// <c>MaxRetryCount</c>): if it fails too, the Event Hubs trigger checkpoints past the batch anyway. The first try
    /// carries no RetryContext, so it is never the last one while the policy allows at least one retry.
    /// </summary>
    public bool IsLastTry => RetryCount is { } n && MaxRetryCount is >= 0 and var max && n >= max;
}

/// <summary>An Event Hubs trigger invocation (<c>cardinality: many</c>): the bodies with their source positions.</summary>
public sealed record EventHubBatch(IReadOnlyList<RawEvent> Events, string Partition, InvocationInfo Invocation);

/// <summary>
/// Reads the requests the Functions host posts to a custom handler (docs/function-app.md). The host serializes trigger
/// values that are strings or arrays with JSON once more, so <c>Data.events</c> and the <c>*Array</c> metadata are
/// usually strings holding JSON arrays; real arrays and objects are accepted as well.
/// </summary>
public static class InvocationParser
{
    /// <summary>The binding name of the Event Hubs trigger in Ingest/function.json.</summary>
    public const string EventsBinding = "events";

    /// <summary>The system property IoT Hub stamps on every device-to-cloud message.</summary>
    public const string IotHubDeviceIdProperty = HubRecord.IotHubDeviceIdProperty;

    // A value encoded twice is a string inside a string; more than that is not something the host does.
    private const int MaxEncodingDepth = 3;

    /// <summary>Parses an Ingest invocation. <paramref name="arrival"/> stands in for a missing enqueued time.</summary>
    /// <exception cref="InvocationFormatException">The body is not an Event Hubs invocation.</exception>
    public static EventHubBatch ParseEventHubBatch(ReadOnlyMemory<byte> body, DateTimeOffset arrival)
    {
        var owned = new List<JsonDocument>();
        try
        {
            var (bodies, metadata) = ReadDataAndMetadata(body, owned);
            var invocation = ReadInvocationInfo(metadata, owned);
            var partition = ReadPartition(metadata, owned);
            var sequenceNumbers = ReadArray(metadata, "SequenceNumberArray", owned)
                ?? throw new InvocationFormatException("Metadata has no SequenceNumberArray: events cannot be deduplicated without it.");
            RequireLength(sequenceNumbers, "SequenceNumberArray", bodies.Count);
            var enqueued = ReadArray(metadata, "EnqueuedTimeUtcArray", owned);
            if (enqueued is { } e)
            {
                RequireLength(e, "EnqueuedTimeUtcArray", bodies.Count);
            }

            var systemProperties = ReadArray(metadata, "SystemPropertiesArray", owned);
            if (systemProperties is { } s)
            {
                RequireLength(s, "SystemPropertiesArray", bodies.Count);
            }

            var events = new RawEvent[bodies.Count];
            for (var i = 0; i < events.Length; i++)
            {
                var sequence = ReadSequenceNumber(sequenceNumbers[i], i);
                var enqueuedTime = enqueued is null ? arrival : ReadTimestamp(enqueued[i], "EnqueuedTimeUtcArray", i);
                var deviceId = systemProperties is null ? null : ReadDeviceId(systemProperties[i], owned);
                events[i] = new HubRecord(bodies[i], partition, sequence, enqueuedTime, deviceId).ToRawEvent();
            }

            return new EventHubBatch(events, partition, invocation);
        }
        catch (JsonException ex)
        {
            throw new InvocationFormatException($"The invocation body is not JSON: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // A metadata string that is not valid Unicode (GetString refuses it).
            throw new InvocationFormatException($"The invocation body has a value that is not valid text: {ex.Message}", ex);
        }
        finally
        {
            foreach (var document in owned)
            {
                document.Dispose();
            }
        }
    }

    /// <summary>
    /// One forward pass over the body: the event bodies are unescaped straight out of <c>Data.events</c> (no DOM, no
    /// intermediate string: it is nearly all of a 512-event invocation), and only <c>Metadata</c> becomes a document.
    /// </summary>
    private static (List<ReadOnlyMemory<byte>> Bodies, JsonElement? Metadata) ReadDataAndMetadata(ReadOnlyMemory<byte> body, List<JsonDocument> owned)
    {
        var reader = new Utf8JsonReader(body.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvocationFormatException("The invocation body is not a JSON object.");
        }

        List<ReadOnlyMemory<byte>>? bodies = null;
        var dataKind = JsonTokenType.None;
        JsonElement? metadata = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("Data"u8))
            {
                reader.Read();
                dataKind = reader.TokenType;
                bodies = dataKind switch
                {
                    JsonTokenType.StartObject => ReadEventsProperty(ref reader, body),
                    JsonTokenType.String => ReadEncodedData(reader.GetString()!, owned),
                    _ => null,
                };
                reader.Skip();
            }
            else if (reader.ValueTextEquals("Metadata"u8))
            {
                reader.Read();
                var document = JsonDocument.ParseValue(ref reader);
                owned.Add(document);
                metadata = TryUnwrap(document.RootElement, JsonValueKind.Object, owned, out var m) ? m : null;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (bodies is null)
        {
            throw new InvocationFormatException(dataKind is JsonTokenType.StartObject or JsonTokenType.String
                ? $"Data has no '{EventsBinding}' (the Event Hubs trigger binding of Ingest/function.json)."
                : "The invocation has no Data object.");
        }

        return (bodies, metadata);
    }

    /// <summary>Reads <c>Data</c> (the reader is on its start) up to its end; null when it has no events binding.</summary>
    private static List<ReadOnlyMemory<byte>>? ReadEventsProperty(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body)
    {
        List<ReadOnlyMemory<byte>>? bodies = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isEvents = reader.ValueTextEquals(EventsBinding);
            reader.Read();
            if (!isEvents)
            {
                reader.Skip();
                continue;
            }

            try
            {
                if (reader.TokenType == JsonTokenType.String)
                {
                    // The usual shape: a string holding the JSON array, unescaped once into its own buffer.
                    bodies = SplitArray(CopyValue(ref reader));
                }
                else if (reader.TokenType == JsonTokenType.StartArray)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    bodies = SplitArray(body[start..(int)reader.BytesConsumed]);
                }
                else
                {
                    throw new InvocationFormatException($"Data.{EventsBinding} must be an array or a string holding one, not {reader.TokenType}.");
                }
            }
            catch (JsonException ex)
            {
                throw new InvocationFormatException($"Data.{EventsBinding} is not a JSON array: {ex.Message}", ex);
            }
        }

        return bodies;
    }

    /// <summary><c>Data</c> as a string holding the object (a host that encodes objects too).</summary>
    private static List<ReadOnlyMemory<byte>>? ReadEncodedData(string text, List<JsonDocument> owned)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }

        owned.Add(document);
        return TryUnwrap(document.RootElement, JsonValueKind.Object, owned, out var data) && data.TryGetProperty(EventsBinding, out var events)
            ? ReadBodies(events)
            : null;
    }

    /// <summary>Parses the parts every invocation has (Sweep uses only these).</summary>
    /// <exception cref="InvocationFormatException">The body is not a JSON object.</exception>
    public static InvocationInfo ParseInvocationInfo(ReadOnlyMemory<byte> body)
    {
        var owned = new List<JsonDocument>();
        try
        {
            var root = ParseRoot(body, owned);
            return ReadInvocationInfo(GetMetadata(root, owned), owned);
        }
        finally
        {
            foreach (var document in owned)
            {
                document.Dispose();
            }
        }
    }

    private static JsonElement ParseRoot(ReadOnlyMemory<byte> body, List<JsonDocument> owned)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new InvocationFormatException($"The invocation body is not JSON: {ex.Message}", ex);
        }

        owned.Add(document);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvocationFormatException("The invocation body is not a JSON object.");
        }

        return document.RootElement;
    }

    private static JsonElement? GetMetadata(JsonElement root, List<JsonDocument> owned) =>
        root.TryGetProperty("Metadata", out var value) && TryUnwrap(value, JsonValueKind.Object, owned, out var metadata) ? metadata : null;

    /// <summary>
    /// The event bodies. <c>Data.events</c> is a string holding a JSON array (or a real array); each element is the
    /// body as a string, or, should a host inline JSON bodies, the element's own JSON text.
    /// </summary>
    private static List<ReadOnlyMemory<byte>> ReadBodies(JsonElement eventsValue)
    {
        byte[] arrayJson;
        if (eventsValue.ValueKind == JsonValueKind.String)
        {
            arrayJson = Encoding.UTF8.GetBytes(eventsValue.GetString()!);
        }
        else if (eventsValue.ValueKind == JsonValueKind.Array)
        {
            arrayJson = Encoding.UTF8.GetBytes(eventsValue.GetRawText());
        }
        else
        {
            throw new InvocationFormatException($"Data.{EventsBinding} must be an array or a string holding one, not {eventsValue.ValueKind}.");
        }

        try
        {
            return SplitArray(arrayJson);
        }
        catch (JsonException ex)
        {
            throw new InvocationFormatException($"Data.{EventsBinding} is not a JSON array: {ex.Message}", ex);
        }
    }

    private static List<ReadOnlyMemory<byte>> SplitArray(ReadOnlyMemory<byte> json)
    {
        // The reader copies each string unescaped straight into the body buffer: no intermediate strings.
        var reader = new Utf8JsonReader(json.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("the value does not start with '['");
        }

        var bodies = new List<ReadOnlyMemory<byte>>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                bodies.Add(CopyValue(ref reader));
            }
            else
            {
                // An inlined JSON value: its text is the body (the decoder rejects anything that is not an object).
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var end = (int)reader.BytesConsumed;
                bodies.Add(json[start..end]);
            }
        }

        return bodies;
    }

    private static InvocationInfo ReadInvocationInfo(JsonElement? metadata, List<JsonDocument> owned)
    {
        if (metadata is not { } m)
        {
            return new InvocationInfo(null, null, null);
        }

        DateTimeOffset? utcNow = null;
        string? methodName = null;
        if (m.TryGetProperty("sys", out var sysValue) && TryUnwrap(sysValue, JsonValueKind.Object, owned, out var sys))
        {
            if (sys.TryGetProperty("UtcNow", out var now) && ReadString(now) is { } nowText)
            {
                utcNow = ParseUtc(nowText) ?? throw new InvocationFormatException($"Metadata.sys.UtcNow is not a time: '{nowText}'.");
            }

            if (sys.TryGetProperty("MethodName", out var method))
            {
                methodName = ReadString(method);
            }
        }

        int? retryCount = null;
        int? maxRetryCount = null;
        if (m.TryGetProperty("RetryContext", out var retryValue) && TryUnwrap(retryValue, JsonValueKind.Object, owned, out var retry))
        {
            retryCount = ReadInt(retry, "RetryCount");
            maxRetryCount = ReadInt(retry, "MaxRetryCount");
        }

        return new InvocationInfo(utcNow, methodName, retryCount, maxRetryCount);
    }

    private static int? ReadInt(JsonElement value, string name) =>
        value.TryGetProperty(name, out var count) && count.ValueKind == JsonValueKind.Number && count.TryGetInt32(out var n) ? n : null;

    /// <summary>
    /// The value of the string token the reader is on, unescaped. A value <see cref="Utf8JsonReader.CopyString(Span{byte})"/>
    /// refuses (an escaped lone UTF-16 surrogate such as <c>\ud800</c>, or invalid UTF-8) is unescaped leniently instead,
    /// a lone surrogate becoming its three-byte form: the one body that holds it then reaches the decoder, which
    /// dead-letters it as NotUtf8 with its position, instead of the whole invocation failing.
    /// </summary>
    private static ReadOnlyMemory<byte> CopyValue(ref Utf8JsonReader reader)
    {
        var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
        if (!reader.ValueIsEscaped)
        {
            return raw;
        }

        var buffer = new byte[raw.Length];
        try
        {
            return buffer.AsMemory(0, reader.CopyString(buffer));
        }
        catch (InvalidOperationException)
        {
            return UnescapeLenient(raw);
        }
    }

    /// <summary>JSON string unescaping that never fails: unknown escapes keep their character, lone surrogates are kept.</summary>
    internal static byte[] UnescapeLenient(ReadOnlySpan<byte> raw)
    {
        // Every escape is at least as long as what it stands for, so the result fits in raw.Length.
        var output = new byte[raw.Length];
        var n = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != (byte)'\\' || i + 1 >= raw.Length)
            {
                output[n++] = raw[i];
                continue;
            }

            var escape = raw[++i];
            if (escape == (byte)'u' && i + 4 < raw.Length && TryHex4(raw.Slice(i + 1, 4), out var unit))
            {
                i += 4;
                if (char.IsHighSurrogate(unit) && i + 6 < raw.Length && raw[i + 1] == (byte)'\\' && raw[i + 2] == (byte)'u'
                    && TryHex4(raw.Slice(i + 3, 4), out var low) && char.IsLowSurrogate(low))
                {
                    i += 6;
                    n += new Rune(unit, low).EncodeToUtf8(output.AsSpan(n));
                }
                else
                {
                    n += EncodeUnit(unit, output.AsSpan(n));
                }

                continue;
            }

            output[n++] = escape switch
            {
                (byte)'n' => (byte)'\n',
                (byte)'r' => (byte)'\r',
                (byte)'t' => (byte)'\t',
                (byte)'b' => (byte)'\b',
                (byte)'f' => (byte)'\f',
                _ => escape,
            };
        }

        return output[..n];
    }

    private static bool TryHex4(ReadOnlySpan<byte> hex, out char unit)
    {
        var ok = ushort.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value);
        unit = (char)value;
        return ok;
    }

    /// <summary>One UTF-16 unit in the UTF-8 bit pattern, lone surrogates included (which makes the bytes invalid UTF-8).</summary>
    private static int EncodeUnit(char unit, Span<byte> output)
    {
        if (unit < 0x80)
        {
            output[0] = (byte)unit;
            return 1;
        }

        if (unit < 0x800)
        {
            output[0] = (byte)(0xC0 | (unit >> 6));
            output[1] = (byte)(0x80 | (unit & 0x3F));
            return 2;
        }

        output[0] = (byte)(0xE0 | (unit >> 12));
        output[1] = (byte)(0x80 | ((unit >> 6) & 0x3F));
        output[2] = (byte)(0x80 | (unit & 0x3F));
        return 3;
    }

    private static string ReadPartition(JsonElement? metadata, List<JsonDocument> owned)
    {
        // Without a partition id, positions of all partitions share one sequence space; the host always sends it.
        if (metadata is { } m && m.TryGetProperty("PartitionContext", out var contextValue)
            && TryUnwrap(contextValue, JsonValueKind.Object, owned, out var context)
            && context.TryGetProperty("PartitionId", out var id))
        {
            return id.ValueKind switch
            {
                JsonValueKind.String => ReadString(id) ?? string.Empty,
                JsonValueKind.Number => id.GetRawText(),
                _ => throw new InvocationFormatException($"Metadata.PartitionContext.PartitionId must be a string, not {id.ValueKind}."),
            };
        }

        throw new InvocationFormatException("Metadata has no PartitionContext.PartitionId.");
    }

    private static JsonElement[]? ReadArray(JsonElement? metadata, string name, List<JsonDocument> owned)
    {
        if (metadata is not { } m || !m.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (!TryUnwrap(value, JsonValueKind.Array, owned, out var array))
        {
            throw new InvocationFormatException($"Metadata.{name} must be an array or a string holding one.");
        }

        return [.. array.EnumerateArray()];
    }

    private static void RequireLength(JsonElement[] array, string name, int count)
    {
        if (array.Length != count)
        {
            throw new InvocationFormatException($"Metadata.{name} has {array.Length} entries for {count} events.");
        }
    }

    private static long ReadSequenceNumber(JsonElement value, int index)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            return number;
        }

        if (value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out number))
        {
            return number;
        }

        throw new InvocationFormatException($"Metadata.SequenceNumberArray[{index}] is not an integer: {value.GetRawText()}.");
    }

    private static DateTimeOffset ReadTimestamp(JsonElement value, string name, int index) =>
        ReadString(value) is { } text && ParseUtc(text) is { } time
            ? time
            : throw new InvocationFormatException($"Metadata.{name}[{index}] is not a time: {value.GetRawText()}.");

    private static string? ReadDeviceId(JsonElement value, List<JsonDocument> owned) =>
        TryUnwrap(value, JsonValueKind.Object, owned, out var properties)
        && properties.TryGetProperty(IotHubDeviceIdProperty, out var id)
        && ReadString(id) is { Length: > 0 } text
            ? text
            : null;

    /// <summary>A string value, decoded once more when it is itself a JSON string literal (<c>"\"…\""</c>).</summary>
    private static string? ReadString(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var text = value.GetString()!;
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
        {
            try
            {
                using var inner = JsonDocument.Parse(text);
                if (inner.RootElement.ValueKind == JsonValueKind.String)
                {
                    return inner.RootElement.GetString();
                }
            }
            catch (JsonException)
            {
                // Not an encoded string after all: the quotes belong to the value.
            }
        }

        return text;
    }

    /// <summary>An ISO 8601 time; without an offset or <c>Z</c> it is UTC (the host writes enqueued times that way).</summary>
    internal static DateTimeOffset? ParseUtc(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;

    /// <summary>The value itself when it has <paramref name="kind"/>, else the value a string holding JSON encodes.</summary>
    private static bool TryUnwrap(JsonElement value, JsonValueKind kind, List<JsonDocument> owned, out JsonElement result)
    {
        for (var depth = 0; depth < MaxEncodingDepth; depth++)
        {
            if (value.ValueKind == kind)
            {
                result = value;
                return true;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                break;
            }

            JsonDocument inner;
            try
            {
                inner = JsonDocument.Parse(value.GetString()!);
            }
            catch (JsonException)
            {
                break;
            }

            owned.Add(inner);
            value = inner.RootElement;
        }

        result = default;
        return false;
    }
}
