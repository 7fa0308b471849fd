using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Core.Processing;

/// <summary>
/// A shared state store seen by one virtual partition: the Sweep's due keys are filtered to the keys that hash to it,
/// so two partitions never advance the same key.
/// </summary>
internal sealed class PartitionScopedStateStore(IStateStore inner, int partition, int partitions) : IStateStore, IKeyLimit
{
    public string? Check(string key) => (inner as IKeyLimit)?.Check(key);

    public Task<IReadOnlyDictionary<string, StoredState>> LoadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default) =>
        inner.LoadAsync(keys, cancellationToken);

    public Task<string> SaveAsync(StateWrite write, CancellationToken cancellationToken = default) => inner.SaveAsync(write, cancellationToken);

    public async Task<IReadOnlyList<string>> GetDueKeysAsync(DateTimeOffset asOf, int maxKeys, CancellationToken cancellationToken = default)
    {
        var due = await inner.GetDueKeysAsync(asOf, maxKeys, cancellationToken).ConfigureAwait(false);
        return partitions == 1 ? due : [.. due.Where(k => Partitioner.PartitionOf(k, partitions) == partition)];
    }
}
