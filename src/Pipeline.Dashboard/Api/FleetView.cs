using Pipeline.Core.Alerts;
using Pipeline.Core.State;

namespace Pipeline.Dashboard.Api;

/// <summary>
/// Builds the fleet list: each device's status from its firing alerts, the engine's pending state and its silence
/// (expected keys that never sent included), trouble first.
/// </summary>
internal static class FleetView
{
    public static readonly string[] FilterLabels = ["site", "deviceType"];
    private const int MaxLabelValues = 200;

    public static DeviceListResponse Build(IReadOnlyList<DeviceActivity> devices, IReadOnlyList<AlertEvent> firing, FleetQuery query, TimeSpan silentAfter)
    {
        var worst = new Dictionary<string, (Severity Severity, int Count, bool Pending)>(StringComparer.Ordinal);
        foreach (var alert in firing)
        {
            var key = alert.Data.Key;
            var pending = alert.Data.Status == AlertStatus.Pending;
            if (worst.TryGetValue(key, out var current))
            {
                worst[key] = (pending || alert.Data.Severity < current.Severity ? current.Severity : alert.Data.Severity, current.Count + (pending ? 0 : 1), current.Pending && pending);
            }
            else
            {
                worst[key] = (alert.Data.Severity, pending ? 0 : 1, pending);
            }
        }

        var newest = DateTimeOffset.MinValue;
        foreach (var d in devices)
        {
            if (d.LastEventTime is { } last && last > newest)
            {
                newest = last;
            }
        }

        var byStatus = new Dictionary<string, int>(StringComparer.Ordinal) { ["firing"] = 0, ["pending"] = 0, ["silent"] = 0, ["ok"] = 0 };
        var labelValues = FilterLabels.ToDictionary(l => l, _ => new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        var rows = new List<DeviceSummary>(devices.Count);
        foreach (var d in devices)
        {
            foreach (var label in FilterLabels)
            {
                if (d.Labels.TryGetValue(label, out var v) && labelValues[label].Count < MaxLabelValues)
                {
                    labelValues[label].Add(v);
                }
            }

            DeviceStatus status;
            Severity? severity = null;
            var count = 0;
            if (worst.TryGetValue(d.Key, out var w))
            {
                status = w.Count > 0 ? DeviceStatus.Firing : DeviceStatus.Pending;
                severity = w.Severity;
                count = w.Count;
            }
            else if (d.Pending)
            {
                // The engine's state: a rule's condition holds and its `for` has not elapsed yet.
                status = DeviceStatus.Pending;
            }
            else
            {
                // An expected key that never sent is silent.
                status = d.LastEventTime is not { } last || newest - last > silentAfter ? DeviceStatus.Silent : DeviceStatus.Ok;
            }

            byStatus[status.ToString().ToLowerInvariant()]++;
            if ((query.Status is { } s && s != status)
                || (query.Site is { } site && (!d.Labels.TryGetValue("site", out var ds) || ds != site))
                || (query.DeviceType is { } type && (!d.Labels.TryGetValue("deviceType", out var dt) || dt != type))
                || (query.Search is { } q && !d.Key.Contains(q, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            rows.Add(new DeviceSummary(d.Key, status, severity, count, d.LastEventTime, d.Labels));
        }

        // Trouble on top: firing by worst severity, then pending, silent, ok; then by id for a stable order.
        rows.Sort(static (a, b) =>
        {
            var c = b.Status.CompareTo(a.Status);
            if (c == 0)
            {
                c = (b.Severity ?? Severity.Info).CompareTo(a.Severity ?? Severity.Info);
            }

            return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
        });
        var page = rows.Skip(query.Offset).Take(query.Limit).ToList();
        return new DeviceListResponse(devices.Count, rows.Count, query.Offset, page, byStatus,
            labelValues.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)[.. p.Value], StringComparer.Ordinal));
    }
}
