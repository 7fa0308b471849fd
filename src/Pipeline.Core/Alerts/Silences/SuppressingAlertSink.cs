namespace Pipeline.Core.Alerts.Silences;

/// <summary>
/// Sits in front of the real sink: notified transitions go on, suppressed ones are kept in <see cref="Suppressed"/>
/// with their reason. The processor still records every transition in the alert history, so suppressed ones stay
/// visible there.
/// </summary>
public sealed class SuppressingAlertSink(IAlertSink inner, NotificationGate gate) : IAlertSink
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, NotificationDecision> _suppressed = new(StringComparer.Ordinal);

    /// <summary>Suppressed transitions with their reason, one per transition id, oldest first.</summary>
    public IReadOnlyList<NotificationDecision> Suppressed
    {
        get
        {
            lock (_lock)
            {
                return [.. _suppressed.Values];
            }
        }
    }

    public async Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var decisions = gate.Decide(alerts);
        var notify = decisions.Where(d => d.Notify).Select(d => d.Alert).ToList();
        if (notify.Count > 0)
        {
            await inner.PublishAsync(notify, cancellationToken).ConfigureAwait(false);
        }

        lock (_lock)
        {
            foreach (var d in decisions.Where(d => !d.Notify))
            {
                _suppressed.TryAdd(d.Alert.Id, d);
            }
        }
    }
}
