using System.Buffers;

namespace Pipeline.Local;

/// <summary>
/// Reads a stream as lines of raw bytes (JSON Lines / NDJSON) without decoding text, so a body that is not UTF-8
/// reaches the dead-letter store byte for byte. A trailing '\r' is dropped. A line longer than the limit is cut at the
/// limit and flagged (the rest of it is skipped), so memory stays bounded whatever the input.
/// </summary>
public sealed class LineReader(Stream stream, int maxLineBytes = LineReader.DefaultMaxLineBytes)
{
    public const int DefaultMaxLineBytes = 1024 * 1024;

    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;

    /// <summary>Bytes consumed from the stream so far (for progress).</summary>
    public long Position { get; private set; }

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Whether another line can be returned without waiting for input.</summary>
    public bool HasBufferedLine => _buffer.AsSpan(_start, _end - _start).Contains((byte)'\n') || (_eof && _end > _start);

    /// <summary>The next line, or null at the end of the stream.</summary>
    public async ValueTask<Line?> ReadLineAsync(CancellationToken cancellationToken)
    {
        ArrayBufferWriter<byte>? pending = null;
        var truncated = false;
        while (true)
        {
            var available = _buffer.AsSpan(_start, _end - _start);
            var newline = available.IndexOf((byte)'\n');
            if (newline >= 0 || _eof)
            {
                if (newline < 0 && available.IsEmpty && pending is null)
                {
                    return null;
                }

                var part = newline >= 0 ? available[..newline] : available;
                var consumed = newline >= 0 ? newline + 1 : available.Length;
                byte[] bytes;
                if (pending is null && part.Length <= maxLineBytes)
                {
                    bytes = part.ToArray();
                }
                else
                {
                    pending ??= new ArrayBufferWriter<byte>();
                    truncated |= Append(pending, part);
                    bytes = pending.WrittenSpan.ToArray();
                }

                _start += consumed;
                Position += consumed;
                LineNumber++;
                if (bytes.Length > 0 && bytes[^1] == (byte)'\r')
                {
                    bytes = bytes[..^1];
                }

                return new Line(bytes, LineNumber, truncated);
            }

            // No line end buffered yet: keep the partial line aside and refill the whole buffer.
            if (!available.IsEmpty)
            {
                pending ??= new ArrayBufferWriter<byte>();
                truncated |= Append(pending, available);
                Position += available.Length;
            }

            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            _eof = _end == 0;
        }
    }

    /// <summary>Appends up to the line limit; true when something had to be left out.</summary>
    private bool Append(ArrayBufferWriter<byte> line, ReadOnlySpan<byte> part)
    {
        var room = maxLineBytes - line.WrittenCount;
        if (part.Length <= room)
        {
            line.Write(part);
            return false;
        }

        line.Write(part[..Math.Max(0, room)]);
        return true;
    }
}

/// <summary>One line: its bytes (without the line break), its 1-based number, and whether it was cut at the length limit.</summary>
public readonly record struct Line(ReadOnlyMemory<byte> Bytes, long Number, bool Truncated);
