using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;

namespace Pipeline.Core.Observability;

/// <summary>
/// The pipeline's own metrics and traces (docs/observability.md): one <see cref="Meter"/> and one
/// <see cref="ActivitySource"/>, both named <see cref="Name"/>. Only System.Diagnostics: exporters are the shells'
/// business. Durations are read from the <see cref="TimeProvider"/> given here (Core never reads the clock itself);
/// lags are measured against the processing time the processor is called with. Besides the instruments it keeps a few
/// running totals (<see cref="Snapshot"/>) that the health rules and the dashboard read, so both see the numbers the
/// exporters see.
/// </summary>
public sealed class PipelineTelemetry : IDisposable
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "Pipeline";

    private readonly TimeProvider _time;
    private readonly Counter<long> _events;
    private readonly Histogram<long> _batchSize;
    private readonly Histogram<double> _batchDuration;
    private readonly Histogram<double> _enqueuedLag;
    private readonly Histogram<double> _eventTimeLag;
    private readonly Counter<long> _alerts;
    private readonly Counter<long> _publishFailures;
    private readonly UpDownCounter<long> _outboxWaiting;
    private readonly Histogram<double> _stateDuration;
    private readonly Counter<long> _stateConflicts;
    private readonly Counter<long> _stateFailures;
    private readonly Histogram<double> _sweepDuration;
    private readonly Histogram<long> _sweepDueKeys;
    private readonly Gauge<long> _rulesActive;

    private long _received;
    private long _deadLettered;
    private long _storeFailures;
    private long _publishFailureCount;
    private long _outbox;
    private long _maxLagTicks;

    /// <param name="name">The meter's and activity source's name; tests give each instance its own so that parallel tests do not see each other.</param>
    public PipelineTelemetry(TimeProvider time, string name = Name)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        ArgumentException.ThrowIfNullOrEmpty(name);
        Meter = new Meter(name);
        ActivitySource = new ActivitySource(name);
        _events = Meter.CreateCounter<long>("pipeline.events", "{event}", "Events received, by what happened to them (pipeline.event.disposition).");
        _batchSize = Meter.CreateHistogram<long>("pipeline.batch.size", "{event}", "Events in one processed batch.");
        _batchDuration = Meter.CreateHistogram<double>("pipeline.batch.duration", "s", "Time to process one batch, decode to publish.");
        // Two instruments without attributes rather than one with a source attribute: they are recorded for every
        // event, and a recording without attributes needs no attribute lookup (docs/performance.md).
        _enqueuedLag = Meter.CreateHistogram<double>("pipeline.event.enqueued_lag", "s", "Processing time minus the time the event was enqueued (Event Hubs, or the local source).");
        _eventTimeLag = Meter.CreateHistogram<double>("pipeline.event.event_time_lag", "s", "Processing time minus the event's own timestamp.");
        _alerts = Meter.CreateCounter<long>("pipeline.alerts", "{alert}", "Alert transitions delivered, by type (pipeline.alert.transition).");
        _publishFailures = Meter.CreateCounter<long>("pipeline.alerts.publish.failures", "{failure}", "Calls whose alert delivery failed (the alerts stay in their outboxes).");
        _outboxWaiting = Meter.CreateUpDownCounter<long>("pipeline.outbox.waiting", "{alert}", "Alerts persisted in outboxes, not yet delivered.");
        _stateDuration = Meter.CreateHistogram<double>("pipeline.state.operation.duration", "s", "Duration of state store calls (db.operation.name; error.type when it failed).");
        _stateConflicts = Meter.CreateCounter<long>("pipeline.state.conflicts", "{key}", "Key writes refused because another writer changed the key (ETag).");
        _stateFailures = Meter.CreateCounter<long>("pipeline.state.failures", "{call}", "State store calls that threw.");
        _sweepDuration = Meter.CreateHistogram<double>("pipeline.sweep.duration", "s", "Time of one Sweep.");
        _sweepDueKeys = Meter.CreateHistogram<long>("pipeline.sweep.due_keys", "{key}", "Keys one Sweep advanced.");
        _rulesActive = Meter.CreateGauge<long>("pipeline.rules.active", "{rule_set}", "1 for the rule set version in use (pipeline.rules.version), 0 for one replaced.");
    }

    public Meter Meter { get; }

    public ActivitySource ActivitySource { get; }

    /// <summary>Now, on the telemetry's time provider, for <see cref="Elapsed"/>.</summary>
    public long Timestamp() => _time.GetTimestamp();

    public double Elapsed(long start) => _time.GetElapsedTime(start).TotalSeconds;

    /// <summary>Starts a span of a batch if someone listens (null otherwise, at the cost of one check).</summary>
    public Activity? StartActivity(string name) => ActivitySource.StartActivity(name);

    /// <summary>The running totals since this instance was created.</summary>
    public TelemetrySnapshot Snapshot() => new(
        Interlocked.Read(ref _received),
        Interlocked.Read(ref _deadLettered),
        Interlocked.Read(ref _storeFailures),
        Interlocked.Read(ref _publishFailureCount),
        Interlocked.Read(ref _outbox));

    /// <summary>The largest enqueued-to-processed lag since the previous call (the health rules' window), and starts a new one.</summary>
    public TimeSpan TakeMaxLag() => TimeSpan.FromTicks(Interlocked.Exchange(ref _maxLagTicks, 0));

    /// <summary>Enqueued-time and event-time lag of the events of a batch, at <paramref name="processingTime"/>.</summary>
    public void RecordLag(IReadOnlyList<Telemetry> events, DateTimeOffset processingTime)
    {
        ArgumentNullException.ThrowIfNull(events);
        long max = 0;
        var enqueuedEnabled = _enqueuedLag.Enabled;
        var eventTimeEnabled = _eventTimeLag.Enabled;
        foreach (var e in events)
        {
            if (e.Source.SequenceNumber >= 0)
            {
                var enqueued = processingTime - e.Source.EnqueuedTime;
                max = Math.Max(max, enqueued.Ticks);
                if (enqueuedEnabled)
                {
                    _enqueuedLag.Record(enqueued.TotalSeconds);
                }
            }

            if (eventTimeEnabled)
            {
                _eventTimeLag.Record((processingTime - e.Timestamp).TotalSeconds);
            }
        }

        // Keep the largest enqueued lag since the last snapshot (the health rules' window).
        var current = Interlocked.Read(ref _maxLagTicks);
        while (max > current)
        {
            var seen = Interlocked.CompareExchange(ref _maxLagTicks, max, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }
    }

    /// <summary>What happened to the events of one call; every received event is counted in exactly one disposition.</summary>
    public void RecordDispositions(Dispositions d)
    {
        Interlocked.Add(ref _received, d.Received);
        Interlocked.Add(ref _deadLettered, d.DeadLettered);
        Add(d.Applied, "applied");
        Add(d.Duplicates, "duplicate");
        Add(d.LateDropped, "late_dropped");
        Add(d.LateDeadLettered, "late_dead_lettered");
        Add(d.Malformed, "malformed");
        Add(d.Quarantined, "quarantined");
    }

    /// <summary>One batch (<c>ingest</c>) or Sweep (<c>sweep</c>): its size, duration and outcome.</summary>
    public void RecordBatch(string operation, int events, int keys, int conflicts, IReadOnlyList<AlertEvent> published, string? publishError, long start)
    {
        ArgumentNullException.ThrowIfNull(published);
        var seconds = Elapsed(start);
        var tag = new KeyValuePair<string, object?>("pipeline.operation", operation);
        if (operation == "sweep")
        {
            _sweepDuration.Record(seconds);
            _sweepDueKeys.Record(keys);
        }
        else
        {
            _batchSize.Record(events);
            _batchDuration.Record(seconds, tag);
        }

        if (conflicts > 0)
        {
            _stateConflicts.Add(conflicts);
        }

        foreach (var alert in published)
        {
            _alerts.Add(1, new KeyValuePair<string, object?>("pipeline.alert.transition", Transition(alert.Kind)));
        }

        if (publishError is not null)
        {
            Interlocked.Increment(ref _publishFailureCount);
            _publishFailures.Add(1, tag);
        }
    }

    /// <summary>A change in the number of alerts waiting in outboxes.</summary>
    public void RecordOutboxChange(long delta)
    {
        if (delta != 0)
        {
            Interlocked.Add(ref _outbox, delta);
            _outboxWaiting.Add(delta);
        }
    }

    /// <summary>One state store call: its duration, and the exception's type when it threw.</summary>
    public void RecordStateCall(string operation, long start, Exception? failure)
    {
        var seconds = Elapsed(start);
        var op = new KeyValuePair<string, object?>("db.operation.name", operation);
        if (failure is null)
        {
            _stateDuration.Record(seconds, op);
            return;
        }

        Interlocked.Increment(ref _storeFailures);
        var error = new KeyValuePair<string, object?>("error.type", failure.GetType().FullName);
        _stateDuration.Record(seconds, op, error);
        _stateFailures.Add(1, op, error);
    }

    /// <summary>The rule set version now in use, and the one it replaced (if any).</summary>
    public void RecordRules(string version, string? replaced)
    {
        if (replaced is not null && replaced != version)
        {
            _rulesActive.Record(0, new KeyValuePair<string, object?>("pipeline.rules.version", replaced));
        }

        _rulesActive.Record(1, new KeyValuePair<string, object?>("pipeline.rules.version", version));
    }

    public static string Transition(AlertTransitionKind kind) => kind switch
    {
        AlertTransitionKind.Fired => "fired",
        AlertTransitionKind.Resolved => "resolved",
        AlertTransitionKind.Escalated => "escalated",
        AlertTransitionKind.Deescalated => "deescalated",
        _ => "amended",
    };

    public void Dispose()
    {
        ActivitySource.Dispose();
        Meter.Dispose();
    }

    private void Add(long count, string disposition)
    {
        if (count > 0)
        {
            _events.Add(count, new KeyValuePair<string, object?>("pipeline.event.disposition", disposition));
        }
    }
}

/// <summary>Running totals of a <see cref="PipelineTelemetry"/>, read by the health rules and the dashboard.</summary>
public readonly record struct TelemetrySnapshot(long Received, long DeadLettered, long StoreFailures, long PublishFailures, long OutboxWaiting);
