using System.Text.Json;

namespace Pipeline.Local;

/// <summary>One record of a request body: its 0-based index, the 1-based line it starts on, and its bytes.</summary>
public readonly record struct BodyRecord(int Index, int Line, ReadOnlyMemory<byte> Bytes);

/// <summary>Why a body could not even be split into records (the JSON around the records is broken).</summary>
public sealed record BodySyntaxError(string Message, int? Index, long Line, long BytePosition);

/// <summary>
/// Splits an ingest body into telemetry records: NDJSON (one record per non-blank line), or JSON that is either one
/// record or an array of records. Each record is decoded on its own afterwards, so one bad record does not sink the rest.
/// </summary>
public static class TelemetryBody
{
    public static IReadOnlyList<BodyRecord> SplitLines(ReadOnlyMemory<byte> body)
    {
        var records = new List<BodyRecord>();
        var span = body.Span;
        var offset = 0;
        var line = 0;
        while (offset < span.Length)
        {
            line++;
            var rest = span[offset..];
            var newline = rest.IndexOf((byte)'\n');
            var length = newline >= 0 ? newline : rest.Length;
            var bytes = body.Slice(offset, length);
            if (length > 0 && bytes.Span[^1] == (byte)'\r')
            {
                bytes = bytes[..^1];
            }

            if (!bytes.Span.Trim(" \t"u8).IsEmpty)
            {
                records.Add(new BodyRecord(records.Count, line, bytes));
            }

            offset += newline >= 0 ? newline + 1 : length;
        }

        return records;
    }

    /// <summary>One record, or the elements of a top-level array. A JSON syntax error is reported, not thrown.</summary>
    public static IReadOnlyList<BodyRecord> SplitJson(ReadOnlyMemory<byte> body, out BodySyntaxError? error)
    {
        error = null;
        var span = body.Span;
        var start = span.StartsWith("\uFEFF"u8) ? 3 : 0;
        var trimmed = span[start..].TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] != (byte)'[')
        {
            // Not an array: the whole body is one record and the decoder says what is wrong with it, if anything.
            return [new BodyRecord(0, 1, body)];
        }

        var records = new List<BodyRecord>();
        var json = span[start..];
        var counted = 0;
        var line = 1;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            reader.Read(); // [
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var from = (int)reader.TokenStartIndex;
                line += json[counted..from].Count((byte)'\n');
                counted = from;
                reader.Skip();
                var to = (int)reader.BytesConsumed;
                records.Add(new BodyRecord(records.Count, line, body.Slice(start + from, to - from)));
            }

            // Anything after the closing bracket other than whitespace is a syntax error too.
            while (reader.Read())
            {
                // The reader throws on a second top-level value; reaching the end means the body is well formed.
            }
        }
        catch (JsonException ex)
        {
            error = new BodySyntaxError(WithoutPosition(ex.Message), records.Count, (ex.LineNumber ?? 0) + 1, (ex.BytePositionInLine ?? 0) + 1);
            return records;
        }

        return records;
    }

    private static string WithoutPosition(string message)
    {
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (at > 0 ? message[..at] : message).TrimEnd('.', ' ');
    }
}
