using Pipeline.Core.Alerts;
using Pipeline.Core.State;

namespace Pipeline.Functions.Tests;

/// <summary>An alert sink that fails while <see cref="Failing"/> is set, like Event Grid answering 503.</summary>
internal sealed class SwitchableAlertSink : IAlertSink
{
    private volatile bool _failing;

    public MemoryAlertSink Inner { get; } = new();

    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }

    public int FailedCalls { get; private set; }

    public Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
    {
        if (_failing)
        {
            FailedCalls++;
            throw new HttpRequestException("Event Grid answered 503 Service Unavailable");
        }

        return Inner.PublishAsync(alerts, cancellationToken);
    }
}

/// <summary>A state store whose writes fail while <see cref="Failing"/> is set, like Table storage being unreachable.</summary>
internal sealed class SwitchableStateStore(IStateStore inner) : IStateStore
{
    private volatile bool _failing;

    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }

    public Task<IReadOnlyDictionary<string, StoredState>> LoadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default) =>
        inner.LoadAsync(keys, cancellationToken);

    public Task<string> SaveAsync(StateWrite write, CancellationToken cancellationToken = default) =>
        _failing ? throw new IOException("Table storage is unreachable") : inner.SaveAsync(write, cancellationToken);

    public Task<IReadOnlyList<string>> GetDueKeysAsync(DateTimeOffset asOf, int maxKeys, CancellationToken cancellationToken = default) =>
        inner.GetDueKeysAsync(asOf, maxKeys, cancellationToken);
}

/// <summary>Counts the ETag conflicts the wrapped store reports, so a test can see that a race really happened.</summary>
internal sealed class ConflictCountingStateStore(IStateStore inner) : IStateStore
{
    private int _conflicts;

    public int Conflicts => Volatile.Read(ref _conflicts);

    public Task<IReadOnlyDictionary<string, StoredState>> LoadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default) =>
        inner.LoadAsync(keys, cancellationToken);

    public async Task<string> SaveAsync(StateWrite write, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.SaveAsync(write, cancellationToken);
        }
        catch (StateConflictException)
        {
            Interlocked.Increment(ref _conflicts);
            throw;
        }
    }

    public Task<IReadOnlyList<string>> GetDueKeysAsync(DateTimeOffset asOf, int maxKeys, CancellationToken cancellationToken = default) =>
        inner.GetDueKeysAsync(asOf, maxKeys, cancellationToken);
}
