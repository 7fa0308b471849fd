using Pipeline.Core.Events;

namespace Pipeline.Core.Processing;

/// <summary>
/// A recording replayed as fast as possible, driven by its own time: processing time is the largest event time
/// handed over so far, so heartbeats, <c>for</c> and windows fire as they would have live. Events are batched by
/// stream time (at most <see cref="BatchSpan"/> of it, or <see cref="MaxBatch"/> events), and each batch is followed
/// by a sweep at that time; the end of the input is not time passing, so nothing is swept into a future the recording
/// never reached.
/// </summary>
/// <param name="source">Source name of the rejected input in dead letters.</param>
/// <param name="beforeStreamTime">Processing time of rejects read before any event time is known (the caller's clock).</param>
public sealed class EventTimeReplay(PartitionedProcessor ingress, string source, Func<DateTimeOffset> beforeStreamTime)
{
    /// <summary>A batch spans at most this much stream time, so processing time steps like a live run's sweeps.</summary>
    public static readonly TimeSpan BatchSpan = TimeSpan.FromSeconds(1);

    public const int MaxBatch = 4096;

    private readonly List<Telemetry> _good = [];
    private readonly List<(ReadOnlyMemory<byte> Body, DecodeFailure Failure)> _bad = [];
    private DateTimeOffset? _streamTime;
    private DateTimeOffset? _batchStart;
    private DateTimeOffset _batchMax = DateTimeOffset.MinValue;

    /// <summary>Called after each processed batch (a progress bar).</summary>
    public Action? Flushed { get; init; }

    /// <summary>Adds decoded events and rejected bodies in input order; a batch is processed when it is full.</summary>
    public async Task AddAsync(IReadOnlyList<Telemetry> decoded, IReadOnlyList<(ReadOnlyMemory<byte> Body, DecodeFailure Failure)> rejected,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        ArgumentNullException.ThrowIfNull(rejected);
        _bad.AddRange(rejected);
        foreach (var e in decoded)
        {
            var time = e.Timestamp > (_streamTime ?? DateTimeOffset.MinValue) ? e.Timestamp : _streamTime!.Value;
            if (_batchStart is { } first && (time - first > BatchSpan || _good.Count >= MaxBatch))
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            _batchStart ??= time;
            _good.Add(e);
            if (e.Timestamp > _batchMax)
            {
                _batchMax = e.Timestamp;
            }
        }

        if (decoded.Count == 0 && _bad.Count >= MaxBatch)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Processes what is waiting at the stream's own time (call it at the end of the input).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_good.Count == 0 && _bad.Count == 0)
        {
            return;
        }

        if (_good.Count > 0 && (_streamTime is null || _batchMax > _streamTime))
        {
            _streamTime = _batchMax;
        }

        // Before any event time is known, rejected lines are stamped with the caller's clock: there is no stream time yet.
        var now = _streamTime ?? beforeStreamTime();
        await ingress.RejectAsync(source, [.. _bad], now, cancellationToken).ConfigureAwait(false);
        await ingress.SubmitAsync([.. _good], now, cancellationToken).ConfigureAwait(false);
        if (_streamTime is not null)
        {
            await ingress.SweepAsync(now, cancellationToken).ConfigureAwait(false);
        }

        _good.Clear();
        _bad.Clear();
        _batchStart = null;
        _batchMax = DateTimeOffset.MinValue;
        Flushed?.Invoke();
    }
}
