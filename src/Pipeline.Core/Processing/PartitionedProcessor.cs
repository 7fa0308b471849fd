using System.Collections.Concurrent;
using System.Globalization;
using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;
using Pipeline.Core.Observability;
using Pipeline.Core.Rules;
using Pipeline.Core.State;

namespace Pipeline.Core.Processing;

/// <summary>
/// N virtual partitions, each a <see cref="PartitionProcessor"/>, sharing one alert sink and one dead-letter store, for
/// sources that have no partitions of their own (files, stdin, HTTP bodies, a simulator). Events are routed by key hash
/// (<see cref="Partitioner"/>) and get their source position (partition, per-partition sequence number, enqueued time)
/// here, as Event Hubs would give them, so the engine's idempotence and evidence work. Bodies that are not telemetry are
/// dead-lettered with the name of the source they came from and counted as malformed in <see cref="Totals"/>.
/// </summary>
public sealed class PartitionedProcessor : IDisposable
{
    private readonly PartitionProcessor[] _partitions;
    private readonly SemaphoreSlim[] _gates;
    private readonly long[] _nextSequence;
    private readonly IDeadLetterStore _deadLetters;
    private readonly TelemetryDecoder _decoder;
    private readonly Lock _decoderLock = new();
    private readonly bool _parallel;
    private readonly PipelineTelemetry? _telemetry;
    private readonly ConcurrentDictionary<string, long> _sourceSequence = new(StringComparer.Ordinal);
    private readonly Lock _publishStateLock = new();
    private readonly Lock _rejectedLock = new();
    private Dispositions _rejected;
    private string? _lastPublishError;

    /// <param name="stores">The state store of each partition (the index is the partition).</param>
    /// <param name="parallel">Process partitions concurrently; false keeps the order of published alerts deterministic.</param>
    /// <param name="sequenceBase">First sequence number of every partition; persistent state needs numbers above any earlier run's.</param>
    public PartitionedProcessor(RuleSet rules, IReadOnlyList<IStateStore> stores, IAlertSink sink, IDeadLetterStore deadLetters,
        ProcessorOptions options, bool parallel, long sequenceBase)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(stores);
        var count = stores.Count;
        _partitions = new PartitionProcessor[count];
        _gates = new SemaphoreSlim[count];
        _nextSequence = new long[count];
        for (var p = 0; p < count; p++)
        {
            _partitions[p] = new PartitionProcessor(RulesForPartition(rules, p, count), stores[p], sink, deadLetters, options);
            _gates[p] = new SemaphoreSlim(1, 1);
            _nextSequence[p] = sequenceBase;
        }

        _deadLetters = deadLetters;
        _decoder = new TelemetryDecoder(PartitionProcessor.WithStoreLimits(options.Decoder, stores));
        _parallel = parallel;
        _telemetry = options.Telemetry;
    }

    public int PartitionCount => _partitions.Length;

    /// <summary>Called with the sink's error when alerts could not be delivered (they stay in the outbox), and with null once delivery works again.</summary>
    public Action<string?>? PublishStateChanged { get; init; }

    /// <summary>Health rules evaluated after every Sweep; their CloudEvents go through <see cref="Delivered"/> too.</summary>
    public HealthMonitor? Health { get; init; }

    /// <summary>Called with every alert delivered, in delivery order.</summary>
    public Action<IReadOnlyList<AlertEvent>>? Delivered { get; init; }

    /// <summary>
    /// Called when a call leaves alerts waiting in outboxes, so a delivery loop (<see cref="ProcessorOptions.DeferDelivery"/>)
    /// wakes up for them. Set once, by the loop.
    /// </summary>
    public Action? AlertsWaiting { get; set; }

    /// <summary>Decodes one body. Thread-safe.</summary>
    public bool TryDecode(ReadOnlyMemory<byte> body, out Telemetry? telemetry, out DecodeFailure failure)
    {
        lock (_decoderLock)
        {
            return _decoder.TryDecode(new RawEvent(body, SourcePosition.None), out telemetry, out failure);
        }
    }

    /// <summary>Keeps bodies that are not telemetry in the dead-letter store, with the source's name and record number.</summary>
    public async Task RejectAsync(string source, IReadOnlyList<(ReadOnlyMemory<byte> Body, DecodeFailure Failure)> rejected,
        DateTimeOffset processingTime, CancellationToken cancellationToken)
    {
        if (rejected.Count == 0)
        {
            return;
        }

        var letters = new List<DeadLetter>(rejected.Count);
        foreach (var (body, failure) in rejected)
        {
            var sequence = _sourceSequence.AddOrUpdate(source, 0, static (_, n) => n + 1);
            var position = new SourcePosition(source, sequence, processingTime);
            letters.Add(new DeadLetter(DeadLetter.CreateId(position, body.Span), body, position, DeadLetterReason.Malformed,
                failure.ToString(), processingTime));
        }

        await _deadLetters.AddAsync(letters, cancellationToken).ConfigureAwait(false);
        var rejectedHere = new Dispositions { Received = rejected.Count, Malformed = rejected.Count };
        lock (_rejectedLock)
        {
            _rejected += rejectedHere;
        }

        _telemetry?.RecordDispositions(rejectedHere);
    }

    /// <summary>Routes decoded events to their partitions and processes them at <paramref name="processingTime"/>.</summary>
    public async Task SubmitAsync(IReadOnlyList<Telemetry> events, DateTimeOffset processingTime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        var byPartition = new List<Telemetry>?[_partitions.Length];
        foreach (var e in events)
        {
            var p = _partitions.Length == 1 ? 0 : Partitioner.PartitionOf(e.Key, _partitions.Length);
            (byPartition[p] ??= []).Add(e);
        }

        await ForEachPartitionAsync(async p =>
        {
            if (byPartition[p] is not { } list)
            {
                return;
            }

            await _gates[p].WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Positions are assigned under the partition's gate, so sequence order is processing order and a
                // later batch is never mistaken for a redelivery of an earlier one.
                var partition = p.ToString(CultureInfo.InvariantCulture);
                var positioned = new List<Telemetry>(list.Count);
                foreach (var e in list)
                {
                    var position = new SourcePosition(partition, _nextSequence[p]++, processingTime);
                    positioned.Add(new Telemetry(e.Key, e.Timestamp, e.Metrics, e.Labels, position) { RawBody = e.RawBody });
                }

                Observe(await _partitions[p].ProcessAsync(positioned, processingTime, cancellationToken).ConfigureAwait(false));
            }
            finally
            {
                _gates[p].Release();
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Advances idle keys of every partition to <paramref name="processingTime"/> and retries unpublished alerts.</summary>
    public async Task SweepAsync(DateTimeOffset processingTime, CancellationToken cancellationToken)
    {
        await ForEachPartitionAsync(async p =>
        {
            await _gates[p].WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                Observe(await _partitions[p].SweepAsync(processingTime, cancellationToken).ConfigureAwait(false));
            }
            finally
            {
                _gates[p].Release();
            }
        }).ConfigureAwait(false);

        if (Health is { } health && await health.EvaluateAsync(processingTime, cancellationToken).ConfigureAwait(false) is { Count: > 0 } sent)
        {
            Delivered?.Invoke(sent);
        }
    }

    /// <summary>The totals of every partition added up, plus the bodies rejected before reaching a partition.</summary>
    public RunTotals Totals()
    {
        Dispositions rejected;
        lock (_rejectedLock)
        {
            rejected = _rejected;
        }

        return _partitions.Aggregate(new RunTotals { Events = rejected }, (total, p) => total + p.Totals);
    }

    /// <summary>The state of one key from the partition that owns it (the Api's device view); null if never seen.</summary>
    public Task<KeyView?> GetKeyAsync(string key, CancellationToken cancellationToken) =>
        _partitions[_partitions.Length == 1 ? 0 : Partitioner.PartitionOf(key, _partitions.Length)].GetKeyAsync(key, cancellationToken);

    /// <summary>Alerts waiting in the outboxes of every partition: not yet delivered, or their delivery failed.</summary>
    public long PendingAlerts => _partitions.Sum(p => p.WaitingAlerts);

    /// <summary>The earliest time a partition with waiting alerts may try delivery again; null when one may now.</summary>
    public DateTimeOffset? NextDeliveryAttempt
    {
        get
        {
            DateTimeOffset? earliest = null;
            foreach (var p in _partitions)
            {
                if (p.WaitingAlerts == 0)
                {
                    continue;
                }

                if (p.NextDeliveryAttempt is not { } next)
                {
                    return null;
                }

                earliest = earliest is { } e && e < next ? e : next;
            }

            return earliest;
        }
    }

    /// <summary>
    /// Publishes what waits in every partition's outboxes (see <see cref="PartitionProcessor.DeliverAsync"/>). It does not
    /// hold the partitions while the sink works, so <see cref="SubmitAsync"/> goes on meanwhile.
    /// </summary>
    public Task DeliverAsync(DateTimeOffset processingTime, CancellationToken cancellationToken) =>
        ForEachPartitionAsync(async p => Observe(await _partitions[p].DeliverAsync(processingTime, cancellationToken).ConfigureAwait(false)));

    public void Dispose()
    {
        foreach (var p in _partitions)
        {
            p.Dispose();
        }

        foreach (var g in _gates)
        {
            g.Dispose();
        }
    }

    /// <summary>
    /// The rules one partition runs: a heartbeat's <c>expected</c> keys are watched only by the partition that owns
    /// them, or every partition would raise its own alert for a device that never reported.
    /// </summary>
    public static RuleSet RulesForPartition(RuleSet rules, int partition, int partitions)
    {
        if (partitions == 1)
        {
            return rules;
        }

        var changed = rules.Rules.Select(r => r.Detector is HeartbeatDetectorSpec { Expected.Count: > 0 } h
            ? r with { Detector = h with { Expected = [.. h.Expected.Where(k => Partitioner.PartitionOf(k, partitions) == partition)] } }
            : r).ToList();

        // Same version: alerts carry the version of the rule file, which this split does not change.
        return rules with { Rules = changed };
    }

    private async Task ForEachPartitionAsync(Func<int, Task> work)
    {
        if (_parallel && _partitions.Length > 1)
        {
            await Task.WhenAll(Enumerable.Range(0, _partitions.Length).Select(work)).ConfigureAwait(false);
            return;
        }

        for (var p = 0; p < _partitions.Length; p++)
        {
            await work(p).ConfigureAwait(false);
        }
    }

    private void Observe(BatchResult result)
    {
        if (result.AlertsInOutbox > 0)
        {
            AlertsWaiting?.Invoke();
        }

        if (result.Published.Count > 0)
        {
            Delivered?.Invoke(result.Published);
        }

        // Report a delivery problem once when it starts and once when it ends, not at every Sweep.
        string? report = null;
        var changed = false;
        lock (_publishStateLock)
        {
            if (result.PublishError is { } error && error != _lastPublishError)
            {
                _lastPublishError = report = error;
                changed = true;
            }
            else if (result.PublishError is null && result.Published.Count > 0 && _lastPublishError is not null)
            {
                _lastPublishError = null;
                changed = true;
            }
        }

        if (changed)
        {
            PublishStateChanged?.Invoke(report);
        }
    }

    /// <summary>Views of one shared store, one per partition, each seeing only its own keys in the Sweep.</summary>
    public static IReadOnlyList<IStateStore> ScopedStores(IStateStore shared, int partitions) =>
        [.. Enumerable.Range(0, partitions).Select(p => (IStateStore)new PartitionScopedStateStore(shared, p, partitions))];
}
