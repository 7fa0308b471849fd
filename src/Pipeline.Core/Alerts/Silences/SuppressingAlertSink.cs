namespace Pipeline.Core.Alerts.Silences;

/// <summary>
/// Sits in front of the real sink: notified transitions go on, suppressed ones stop here. It keeps nothing itself:
/// the gate holds its bounded decisions, and the processor records every transition in the alert history, where the
/// suppressed ones carry <c>data.suppressedBy</c>.
/// </summary>
/// <param name="history">The history to ask how an episode the gate has not seen begin was decided; null: none.</param>
public sealed class SuppressingAlertSink(IAlertSink inner, NotificationGate gate, IAlertHistory? history = null) : IAlertSink
{
    public async Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        if (history is not null)
        {
            await gate.RecallAsync(alerts, history, cancellationToken).ConfigureAwait(false);
        }

        var decisions = gate.Decide(alerts);
        var notify = decisions.Where(d => d.Notify).Select(d => d.Alert).ToList();
        if (notify.Count > 0)
        {
            await inner.PublishAsync(notify, cancellationToken).ConfigureAwait(false);
        }
    }
}
