namespace Pipeline.Core.Events;

/// <summary>Where an event came from: the Event Hubs partition, its sequence number there and when the hub enqueued it.</summary>
public readonly record struct SourcePosition(string Partition, long SequenceNumber, DateTimeOffset EnqueuedTime)
{
    public static SourcePosition None { get; } = new(string.Empty, -1, DateTimeOffset.UnixEpoch);
}
