using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.State;

namespace Pipeline.Core.Rules.Diff;

/// <summary>The transitions a rule set produces over a recording, and how many records were telemetry.</summary>
public sealed record ReplayOutcome(IReadOnlyList<AlertEvent> Transitions, RunTotals Totals);

/// <summary>
/// Runs a rule set over a recording (JSON-lines telemetry, one record per line) on the real processor, in memory, the
/// way <c>pipeline replay</c> does: processing time is the largest event time read so far, batches span at most one
/// second of stream time and each is followed by a sweep, and the end of the recording is not time passing.
/// </summary>
public static class RecordingReplay
{
    private static readonly TimeSpan BatchSpan = TimeSpan.FromSeconds(1);
    private const int MaxBatch = 4096;

    /// <summary>The non-blank lines of a recording's bytes, in file order, so several replays read the same bytes.</summary>
    public static List<ReadOnlyMemory<byte>> Records(byte[] recording)
    {
        ArgumentNullException.ThrowIfNull(recording);
        var records = new List<ReadOnlyMemory<byte>>();
        var start = 0;
        for (var i = 0; i <= recording.Length; i++)
        {
            if (i == recording.Length || recording[i] == (byte)'\n')
            {
                var line = new ReadOnlyMemory<byte>(recording, start, i - start);
                if (!line.Span.Trim(" \t\r"u8).IsEmpty)
                {
                    records.Add(line);
                }

                start = i + 1;
            }
        }

        return records;
    }

    /// <param name="records">The recording's non-blank lines, in file order.</param>
    /// <param name="firstRejectTime">Stamp of records rejected before any event time is known (the caller's clock).</param>
    public static async Task<ReplayOutcome> RunAsync(RuleSet rules, IEnumerable<ReadOnlyMemory<byte>> records, DateTimeOffset firstRejectTime,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(records);
        var sink = new MemoryAlertSink();
        using var processor = new PartitionedProcessor(rules, [new MemoryStateStore()], sink, new MemoryDeadLetterStore(),
            new ProcessorOptions(), parallel: false, sequenceBase: 0);
        DateTimeOffset? streamTime = null;
        var good = new List<Telemetry>();
        var bad = new List<(ReadOnlyMemory<byte> Body, DecodeFailure Failure)>();
        DateTimeOffset? batchStart = null;
        var batchMax = DateTimeOffset.MinValue;

        async Task FlushAsync()
        {
            if (good.Count == 0 && bad.Count == 0)
            {
                return;
            }

            if (good.Count > 0 && (streamTime is null || batchMax > streamTime))
            {
                streamTime = batchMax;
            }

            var now = streamTime ?? firstRejectTime;
            await processor.RejectAsync("file", [.. bad], now, cancellationToken).ConfigureAwait(false);
            await processor.SubmitAsync([.. good], now, cancellationToken).ConfigureAwait(false);
            if (streamTime is not null)
            {
                await processor.SweepAsync(now, cancellationToken).ConfigureAwait(false);
            }

            good.Clear();
            bad.Clear();
            batchStart = null;
            batchMax = DateTimeOffset.MinValue;
        }

        foreach (var record in records)
        {
            if (!processor.TryDecode(record, out var e, out var failure))
            {
                bad.Add((record, failure));
                if (bad.Count >= MaxBatch)
                {
                    await FlushAsync().ConfigureAwait(false);
                }

                continue;
            }

            var time = e!.Timestamp > (streamTime ?? DateTimeOffset.MinValue) ? e.Timestamp : streamTime!.Value;
            if (batchStart is { } first && (time - first > BatchSpan || good.Count >= MaxBatch))
            {
                await FlushAsync().ConfigureAwait(false);
            }

            batchStart ??= time;
            good.Add(e);
            if (e.Timestamp > batchMax)
            {
                batchMax = e.Timestamp;
            }
        }

        await FlushAsync().ConfigureAwait(false);
        return new ReplayOutcome(sink.Published, processor.Totals());
    }
}
