using System.Text;

namespace Pipeline.Local.Tests;

public sealed class LineReaderTests
{
    private static async Task<List<Line>> ReadAllAsync(byte[] input, int maxLineBytes = LineReader.DefaultMaxLineBytes)
    {
        var reader = new LineReader(new MemoryStream(input), maxLineBytes);
        var lines = new List<Line>();
        while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    [Fact]
    public async Task Lines_keep_their_raw_bytes_and_numbers()
    {
        byte[] input = [.. "a\r\n"u8, 0xff, 0xfe, .. "\n\nlast"u8];

        var lines = await ReadAllAsync(input);

        Assert.Equal([1L, 2, 3, 4], lines.Select(l => l.Number));
        Assert.Equal("a"u8.ToArray(), lines[0].Bytes.ToArray());
        Assert.Equal(new byte[] { 0xff, 0xfe }, lines[1].Bytes.ToArray());
        Assert.Empty(lines[2].Bytes.ToArray());
        Assert.Equal("last"u8.ToArray(), lines[3].Bytes.ToArray());
    }

    [Fact]
    public async Task Lines_longer_than_the_buffer_are_whole_and_longer_than_the_limit_are_cut()
    {
        var longLine = new string('x', 200_000);
        var input = Encoding.UTF8.GetBytes(longLine + "\n" + new string('y', 300_000) + "\nok\n");

        var lines = await ReadAllAsync(input, maxLineBytes: 250_000);

        Assert.Equal(3, lines.Count);
        Assert.Equal((200_000, false), (lines[0].Bytes.Length, lines[0].Truncated));
        Assert.Equal((250_000, true), (lines[1].Bytes.Length, lines[1].Truncated));
        Assert.Equal(("ok", false), (Encoding.UTF8.GetString(lines[2].Bytes.Span), lines[2].Truncated));
    }
}
