namespace Pipeline.Core.State;

/// <summary>
/// Where a reader of a partitioned stream (an Event Hubs consumer group) keeps how far it got, so a restart resumes
/// after the last event it processed. A stream name identifies the hub and consumer group; positions are the
/// sequence number of the last processed event per partition.
/// </summary>
public interface IPositionStore
{
    /// <summary>The saved position of every partition of <paramref name="stream"/>; partitions never saved are absent.</summary>
    Task<IReadOnlyDictionary<string, long>> LoadAsync(string stream, CancellationToken cancellationToken = default);

    /// <summary>Records that every event of <paramref name="partition"/> up to <paramref name="sequenceNumber"/> is processed.</summary>
    Task SaveAsync(string stream, string partition, long sequenceNumber, CancellationToken cancellationToken = default);
}

/// <summary>Positions kept in memory: a run resumes nothing after a restart (as its in-memory state does not either).</summary>
public sealed class MemoryPositionStore : IPositionStore
{
    private readonly Dictionary<(string Stream, string Partition), long> _positions = [];
    private readonly Lock _lock = new();

    public Task<IReadOnlyDictionary<string, long>> LoadAsync(string stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            IReadOnlyDictionary<string, long> result = _positions.Where(p => p.Key.Stream == stream).ToDictionary(p => p.Key.Partition, p => p.Value, StringComparer.Ordinal);
            return Task.FromResult(result);
        }
    }

    public Task SaveAsync(string stream, string partition, long sequenceNumber, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(partition);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _positions[(stream, partition)] = sequenceNumber;
        }

        return Task.CompletedTask;
    }
}
