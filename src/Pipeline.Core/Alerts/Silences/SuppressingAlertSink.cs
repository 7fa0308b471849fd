namespace Pipeline.Core.Alerts.Silences;

/// <summary>
/// Sits in front of the real sink: notified transitions go on, suppressed ones stop here. It keeps nothing itself:
/// the gate holds its bounded decisions, and the processor records every transition in the alert history, where the
/// suppressed ones carry <c>data.suppressedBy</c>.
/// </summary>
public sealed class SuppressingAlertSink(IAlertSink inner, NotificationGate gate) : IAlertSink
{
    public async Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var decisions = gate.Decide(alerts);
        var notify = decisions.Where(d => d.Notify).Select(d => d.Alert).ToList();
        if (notify.Count > 0)
        {
            await inner.PublishAsync(notify, cancellationToken).ConfigureAwait(false);
        }
    }
}
