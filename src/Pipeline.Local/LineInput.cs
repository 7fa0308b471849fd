using System.Globalization;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;

namespace Pipeline.Local;

/// <summary>Turns lines of a JSON Lines input into decoded telemetry and rejected bodies (with their line numbers).</summary>
public static class LineInput
{
    public static (List<Telemetry> Good, List<(ReadOnlyMemory<byte> Body, DecodeFailure Failure)> Bad) Decode(PartitionedProcessor ingress, IReadOnlyList<Line> lines)
    {
        ArgumentNullException.ThrowIfNull(ingress);
        ArgumentNullException.ThrowIfNull(lines);
        var good = new List<Telemetry>(lines.Count);
        var bad = new List<(ReadOnlyMemory<byte>, DecodeFailure)>();
        foreach (var line in lines)
        {
            if (line.Truncated)
            {
                bad.Add((line.Bytes, new DecodeFailure(DecodeError.TooLarge, string.Create(CultureInfo.InvariantCulture,
                    $"line {line.Number} is longer than {LineReader.DefaultMaxLineBytes} bytes; its first {line.Bytes.Length} bytes are kept"))));
            }
            else if (ingress.TryDecode(line.Bytes, out var telemetry, out var failure))
            {
                good.Add(telemetry!);
            }
            else
            {
                bad.Add((line.Bytes, failure with { Detail = string.Create(CultureInfo.InvariantCulture, $"line {line.Number}: {failure.Detail}") }));
            }
        }

        return (good, bad);
    }

    public static bool IsBlank(Line line) => line.Bytes.Span.Trim(" \t\r"u8).IsEmpty;

    /// <summary>
    /// Feeds an in-process run from a stream (a file or stdin) as fast as it can be read: each batch is what is already
    /// buffered (at most 1,000 lines), so a slow pipe is processed line by line and a file in large batches.
    /// </summary>
    public static async Task FeedAsync(string source, Stream stream, PartitionedProcessor ingress, Func<DateTimeOffset> now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(now);
        var reader = new LineReader(stream);
        var batch = new List<Line>();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (!IsBlank(line))
            {
                batch.Add(line);
            }

            if (batch.Count >= 1000 || (batch.Count > 0 && !reader.HasBufferedLine))
            {
                await SubmitAsync(source, batch, ingress, now(), cancellationToken).ConfigureAwait(false);
                batch.Clear();
            }
        }

        await SubmitAsync(source, batch, ingress, now(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Replays a recording as fast as it can be read, driven by the events' own time (Core's <see cref="EventTimeReplay"/>:
    /// the end of the stream is not time passing). <paramref name="progress"/> hears the bytes read after each batch.
    /// </summary>
    public static async Task ReplayAsync(string source, Stream stream, PartitionedProcessor ingress, Func<DateTimeOffset> beforeStreamTime, Action<long>? progress,
        CancellationToken cancellationToken)
    {
        var reader = new LineReader(stream);
        var replay = new EventTimeReplay(ingress, source, beforeStreamTime) { Flushed = progress is null ? null : () => progress(reader.Position) };
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (!IsBlank(line))
            {
                var (decoded, rejected) = Decode(ingress, [line]);
                await replay.AddAsync(decoded, rejected, cancellationToken).ConfigureAwait(false);
            }
        }

        // The end of the stream: process what is left at the stream's own time, and no further.
        await replay.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task SubmitAsync(string source, List<Line> batch, PartitionedProcessor ingress, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var (good, bad) = Decode(ingress, batch);
        await ingress.RejectAsync(source, bad, now, cancellationToken).ConfigureAwait(false);
        await ingress.SubmitAsync(good, now, cancellationToken).ConfigureAwait(false);
    }
}
