using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.Time;

namespace Pipeline.Core.Engine;

/// <summary>
/// Everything the engine keeps for one key: its event-time clock, last values and labels, the last applied source
/// position per partition (idempotence), the reorder buffer, per-rule state and the outbox of unpublished alerts.
/// Serialized by <see cref="KeyStateSerializer"/>.
/// </summary>
public sealed class KeyState
{
    public KeyState(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        Key = key;
    }

    public string Key { get; }

    // Ticks with a sentinel for "none yet": the engine compares them per event. The public view is EventTime?.
    internal const long None = long.MinValue;

    /// <summary>Largest event time accepted; null until the first event.</summary>
    public EventTime? MaxEventTime => MaxEventTicks == None ? null : EventTime.FromUtcTicks(MaxEventTicks);

    /// <summary>Event time up to which this key's events were released to the rules (monotonic); null until the first event.</summary>
    public EventTime? Watermark => WatermarkTicks == None ? null : EventTime.FromUtcTicks(WatermarkTicks);

    /// <summary>Processing time of the latest arrival (or of creation): idle time is measured from it.</summary>
    public DateTimeOffset LastArrival => new(LastArrivalTicks, TimeSpan.Zero);

    internal long MaxEventTicks { get; set; } = None;

    internal long WatermarkTicks { get; set; } = None;

    internal long LastArrivalTicks { get; set; }

    public long EventCount { get; internal set; }

    public Dictionary<string, string> Labels { get; } = new(StringComparer.Ordinal);

    /// <summary>The label dictionary last copied into <see cref="Labels"/> (not persisted: only saves copying).</summary>
    internal IReadOnlyDictionary<string, string>? LabelsSeen { get; set; }

    public Dictionary<string, double> LastValues { get; } = new(StringComparer.Ordinal);

    /// <summary>Last applied sequence number per partition.</summary>
    public Dictionary<string, long> Positions { get; } = new(StringComparer.Ordinal);

    // A key's events come from one partition nearly always: remember it to skip the dictionary.
    private string? _lastPartition;
    private long _lastSequence;

    /// <summary>Records an event's source position; false when it is at or below the last applied one (a duplicate).</summary>
    internal bool Advance(SourcePosition source)
    {
        if (ReferenceEquals(source.Partition, _lastPartition) || source.Partition == _lastPartition)
        {
            if (source.SequenceNumber <= _lastSequence)
            {
                return false;
            }

            _lastSequence = source.SequenceNumber;
            return true;
        }

        if (Positions.TryGetValue(source.Partition, out var last) && source.SequenceNumber <= last)
        {
            return false;
        }

        SyncPositions();
        _lastPartition = source.Partition;
        _lastSequence = source.SequenceNumber;
        return true;
    }

    /// <summary>Writes the remembered partition's position into <see cref="Positions"/> (before a snapshot or a view).</summary>
    internal void SyncPositions()
    {
        if (_lastPartition is not null)
        {
            Positions[_lastPartition] = _lastSequence;
        }
    }

    /// <summary>Events waiting for the watermark, ordered by event time then arrival.</summary>
    internal List<Telemetry> Buffer { get; } = [];

    /// <summary>Per-rule state, bound to one compiled rule set (<see cref="BoundTo"/>).</summary>
    internal RuleState?[] RuleStates { get; set; } = [];

    internal CompiledRules? BoundTo { get; set; }

    /// <summary>
    /// Earliest event time at which any rule acts on its own (window end, timer); <see cref="long.MinValue"/> when
    /// unknown. Not persisted: it only lets the engine skip advancing rules that have nothing due.
    /// </summary>
    internal long RulesDue { get; set; } = long.MinValue;

    /// <summary>Rule states read from a snapshot, by rule fingerprint, waiting to be bound.</summary>
    internal Dictionary<string, byte[]>? UnboundRuleStates { get; set; }

    /// <summary>Alert transitions not yet published.</summary>
    public List<AlertEvent> Outbox { get; } = [];
}
