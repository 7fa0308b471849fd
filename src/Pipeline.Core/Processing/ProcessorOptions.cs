using Pipeline.Core.Events;

namespace Pipeline.Core.Processing;

/// <summary>Settings of a <see cref="PartitionProcessor"/>.</summary>
public sealed record ProcessorOptions
{
    /// <summary>Environment name used in alert CloudEvent sources: <c>/pipeline/{environment}/rules/{ruleId}</c>.</summary>
    public string Environment { get; init; } = "local";

    /// <summary>
    /// State writes in flight at once for stores that write key by key. Stores that group writes
    /// (<see cref="State.IStateStore.SaveManyAsync"/>) bound their own concurrency.
    /// </summary>
    public int MaxParallelWrites { get; init; } = 16;

    /// <summary>Event Grid accepts at most 5,000 events and 1 MB per publish call.</summary>
    public int MaxPublishBatchEvents { get; init; } = 5000;

    public int MaxPublishBatchBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// How often a key is reloaded and re-applied after ETag conflicts before the batch fails. Every conflict means
    /// another writer's save succeeded, so retrying cannot livelock; the bound only has to exceed the writes another
    /// instance can make to one key while this one catches up (8 was too few for two instances racing on a hot key).
    /// </summary>
    public int MaxConflictRetries { get; init; } = 32;

    /// <summary>
    /// Keys kept in memory between calls (about 1-3 KB each). Beyond it the least recently used keys whose state is
    /// persisted and whose outbox is empty are dropped; they are reloaded from the store when they come back.
    /// </summary>
    public int MaxCachedKeys { get; init; } = 100_000;

    /// <summary>
    /// How long after a key's last arrival the Sweep releases events still waiting in its reorder buffer. The key's
    /// next event releases them sooner; without this delay every active key would be due at every Sweep (its latest
    /// event always waits out the out-of-order tolerance). It bounds the extra alert latency of a device that stops
    /// sending: its last events reach the rules at most this long (plus one Sweep interval) after they arrived.
    /// </summary>
    public TimeSpan BufferIdleDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Alerts kept waiting in one key's outbox while the sink fails. Beyond it the oldest go to the dead-letter store
    /// (reason <c>OutboxFull</c>) and are counted in <see cref="RunTotals.OutboxDeadLettered"/>: bounded state per key,
    /// nothing lost silently.
    /// </summary>
    public int MaxOutboxPerKey { get; init; } = 1000;

    /// <summary>
    /// False: each batch publishes its alerts before it returns (the Function App, whose Sweep retries what failed).
    /// True: batches only persist them in the outbox and the caller's delivery loop publishes them
    /// (<see cref="PartitionProcessor.DeliverAsync"/>), so a slow or failing sink never holds intake (the CLI).
    /// </summary>
    public bool DeferDelivery { get; init; }

    /// <summary>Wait before retrying delivery after the sink failed; it doubles with each further failure.</summary>
    public TimeSpan DeliveryRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between delivery attempts (at most the Function App's Sweep interval, which retries them).</summary>
    public TimeSpan MaxDeliveryRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Due keys a Sweep handles per call.</summary>
    public int SweepBatchSize { get; init; } = 5000;

    public DecoderOptions Decoder { get; init; } = new();

    /// <summary>Where the processor reports its metrics and traces (docs/observability.md); null reports nothing.</summary>
    public Observability.PipelineTelemetry? Telemetry { get; init; }

    /// <summary>Where the events a key applies are also recorded for charts; null keeps no history.</summary>
    public State.IMetricHistory? History { get; init; }
}
