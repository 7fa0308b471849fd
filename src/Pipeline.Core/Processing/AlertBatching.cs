using Pipeline.Core.Alerts;

namespace Pipeline.Core.Processing;

/// <summary>Splits alerts into publish batches of at most N events and B bytes (Event Grid: 5,000 and 1 MB).</summary>
public static class AlertBatching
{
    public static IEnumerable<IReadOnlyList<AlertEvent>> Split(IReadOnlyList<AlertEvent> alerts, int maxEvents, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEvents, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        var batch = new List<AlertEvent>();
        var bytes = 2; // the enclosing [ ]
        foreach (var alert in alerts)
        {
            var size = alert.ToJsonBytes().Length + 1; // plus the separating comma
            if (batch.Count > 0 && (batch.Count == maxEvents || bytes + size > maxBytes))
            {
                yield return batch;
                batch = [];
                bytes = 2;
            }

            batch.Add(alert);
            bytes += size;
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }
}
