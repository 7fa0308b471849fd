using Pipeline.Core.State;

namespace Pipeline.Core.Tests.Support;

/// <summary>
/// An in-memory state store whose next <paramref name="failures"/> writes throw, like a storage request that times out:
/// what the processor does with the batch it was writing is what the tests look at.
/// </summary>
internal sealed class FailingOnceStateStore(int failures = 1) : IStateStore
{
    private int _failures = failures;

    public MemoryStateStore Inner { get; } = new();

    public Task<IReadOnlyDictionary<string, StoredState>> LoadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default) =>
        Inner.LoadAsync(keys, cancellationToken);

    public Task<string> SaveAsync(StateWrite write, CancellationToken cancellationToken = default) =>
        Interlocked.Decrement(ref _failures) >= 0
            ? throw new IOException("storage request timed out")
            : Inner.SaveAsync(write, cancellationToken);

    public Task<IReadOnlyList<string>> GetDueKeysAsync(DateTimeOffset asOf, int maxKeys, CancellationToken cancellationToken = default) =>
        Inner.GetDueKeysAsync(asOf, maxKeys, cancellationToken);

    /// <summary>How many events the stored state of <paramref name="key"/> has applied (0 when nothing is stored).</summary>
    public async Task<long> StoredEventCountAsync(string key)
    {
        var loaded = await Inner.LoadAsync([key]);
        return loaded.TryGetValue(key, out var stored) ? Pipeline.Core.Engine.KeyStateSerializer.Read(stored.Snapshot.Span, key).EventCount : 0;
    }
}
