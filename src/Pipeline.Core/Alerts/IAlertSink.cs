namespace Pipeline.Core.Alerts;

/// <summary>Publishes alert CloudEvents. A call that returns published them all; one that throws published none for sure.</summary>
public interface IAlertSink
{
    Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default);
}
