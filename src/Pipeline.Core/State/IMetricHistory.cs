using Pipeline.Core.Events;

namespace Pipeline.Core.State;

/// <summary>
/// A bounded, downsampled recent history of every device's metrics, for charts. Kept apart from key state: at the
/// default settings one device's history is several kilobytes, more than the whole per-key state budget.
/// </summary>
public interface IMetricHistory
{
    /// <summary>
    /// Adds applied events. Called by the processor under its gate: implementations only update memory here and write
    /// to any store of their own later, so recording never waits for I/O.
    /// </summary>
    void Record(IReadOnlyList<Telemetry> events);

    /// <summary>
    /// What the engine's state says of a key the processor just applied (events or a Sweep): whether one of its rules is
    /// pending (the condition holds, its <c>for</c> has not elapsed). A key not seen before is listed from now on, with
    /// no event yet: an <c>expected</c> key of a heartbeat rule that never sent. <paramref name="processingTime"/> is the
    /// processor's time of that apply; the first one a key gets is when it was first listed, which is what retention
    /// judges a key that never sent by. Memory only, like <see cref="Record"/>.
    /// </summary>
    void RecordState(string key, bool pending, DateTimeOffset processingTime);

    /// <summary>Every device seen, with its latest event time, labels and metric values.</summary>
    Task<IReadOnlyList<DeviceActivity>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>One device's recent history, oldest point first; null if it was never seen.</summary>
    Task<DeviceHistory?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Retention: removes every device last seen before <paramref name="cutoff"/> (its latest event time; for a key that
    /// never sent, the processor's time when it was first listed), from the store and from memory, and returns how many
    /// were removed. A device with changes not yet written to the store is kept until a later purge. A removed device
    /// that is heard of again starts a new history.
    /// </summary>
    Task<int> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
}

/// <summary>
/// What the fleet view needs of one device. <paramref name="LastEventTime"/> is null for a key that never sent (an
/// expected key); <paramref name="Pending"/> is the engine state's: a rule's condition holds and its <c>for</c> runs.
/// </summary>
public sealed record DeviceActivity(string Key, DateTimeOffset? LastEventTime, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, double> LastValues, bool Pending = false);

/// <summary>One device's recent history per metric.</summary>
public sealed record DeviceHistory(string Key, DateTimeOffset LastEventTime, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>> Metrics);

/// <summary>One downsampled bucket: the start of its interval and the samples' mean, minimum, maximum and count.</summary>
public readonly record struct HistoryPoint(DateTimeOffset Time, double Mean, double Min, double Max, int Count);
