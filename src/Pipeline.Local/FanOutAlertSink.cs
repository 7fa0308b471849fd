using Pipeline.Core.Alerts;

namespace Pipeline.Local;

/// <summary>
/// Publishes every batch to several sinks at once. The call succeeds only when every sink took the batch; if any
/// failed it throws, so the processor keeps the alerts in its outbox and offers them again. On that retry a sink
/// that already took an alert is not given it again, so a file or console sink does not show it twice while a
/// failing webhook catches up.
/// </summary>
public sealed class FanOutAlertSink : IAlertSink
{
    private readonly IAlertSink[] _sinks;
    private readonly Lock _lock = new();

    // Per sink: ids it delivered that some other sink has not delivered yet. Emptied as the others catch up,
    // so memory is bounded by the alerts still waiting in outboxes.
    private readonly HashSet<string>[] _deliveredAhead;

    public FanOutAlertSink(params IReadOnlyList<IAlertSink> sinks)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        if (sinks.Count == 0)
        {
            throw new ArgumentException("At least one sink is needed.", nameof(sinks));
        }

        _sinks = [.. sinks];
        foreach (var sink in _sinks)
        {
            ArgumentNullException.ThrowIfNull(sink, nameof(sinks));
        }

        _deliveredAhead = [.. _sinks.Select(_ => new HashSet<string>(StringComparer.Ordinal))];
    }

    public IReadOnlyList<IAlertSink> Sinks => _sinks;

    public async Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        if (alerts.Count == 0)
        {
            return;
        }

        var pending = new IReadOnlyList<AlertEvent>[_sinks.Length];
        lock (_lock)
        {
            for (var i = 0; i < _sinks.Length; i++)
            {
                var ahead = _deliveredAhead[i];
                pending[i] = ahead.Count == 0 ? alerts : alerts.Where(a => !ahead.Contains(a.Id)).ToList();
            }
        }

        var tasks = new Task[_sinks.Length];
        for (var i = 0; i < _sinks.Length; i++)
        {
            tasks[i] = pending[i].Count == 0 ? Task.CompletedTask : PublishOneAsync(_sinks[i], pending[i], cancellationToken);
        }

        // Every sink's outcome is examined below: those that took the batch must not get it again.
        await Task.WhenAll(tasks).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        var failures = new List<Exception>();
        lock (_lock)
        {
            for (var i = 0; i < _sinks.Length; i++)
            {
                if (tasks[i].IsCompletedSuccessfully)
                {
                    foreach (var alert in pending[i])
                    {
                        _deliveredAhead[i].Add(alert.Id);
                    }
                }
                else if (tasks[i].Exception is { } error)
                {
                    failures.Add(error.InnerException ?? error);
                }
                else
                {
                    failures.Add(new TaskCanceledException($"Alert sink {_sinks[i].GetType().Name} was cancelled."));
                }
            }

            // An id every sink has delivered needs no more remembering.
            foreach (var alert in alerts)
            {
                if (_deliveredAhead.All(set => set.Contains(alert.Id)))
                {
                    foreach (var set in _deliveredAhead)
                    {
                        set.Remove(alert.Id);
                    }
                }
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (failures.Count > 0)
        {
            var reasons = string.Join("; ", failures.Select(f => f.Message));
            throw new AggregateException($"{failures.Count} of {_sinks.Length} alert sinks failed: {reasons}", failures);
        }
    }

    // Through an async method, a sink that throws before returning its task still yields a faulted task.
    private static async Task PublishOneAsync(IAlertSink sink, IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken) =>
        await sink.PublishAsync(alerts, cancellationToken).ConfigureAwait(false);
}
