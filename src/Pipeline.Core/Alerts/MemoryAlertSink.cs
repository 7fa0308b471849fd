namespace Pipeline.Core.Alerts;

/// <summary>Thread-safe in-memory <see cref="IAlertSink"/> that keeps every published event in publication order.</summary>
public sealed class MemoryAlertSink : IAlertSink
{
    private readonly Lock _lock = new();
    private readonly List<AlertEvent> _published = [];

    /// <summary>A snapshot of everything published so far, oldest first.</summary>
    public IReadOnlyList<AlertEvent> Published
    {
        get
        {
            lock (_lock)
            {
                return _published.ToArray();
            }
        }
    }

    public Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            // A batch lands contiguously even when several publishers run at once.
            _published.AddRange(alerts);
        }

        return Task.CompletedTask;
    }
}
