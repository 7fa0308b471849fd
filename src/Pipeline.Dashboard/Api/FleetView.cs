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

        // Counted per status index (DeviceStatus values 0..3), so no status name is formatted per device.
        Span<int> counts = stackalloc int[4];

        // The first MaxLabelValues distinct values of each filter label, sorted once at the end.
        var labelValues = new HashSet<string>[FilterLabels.Length];
        for (var i = 0; i < labelValues.Length; i++)
        {
            labelValues[i] = new HashSet<string>(StringComparer.Ordinal);
        }

        // Only the matching rows' sort keys are collected; a DeviceSummary is built for the page alone.
        var rows = new Row[devices.Count];
        var matched = 0;
        for (var index = 0; index < devices.Count; index++)
        {
            var d = devices[index];

            // Each filter label is looked up once per device, for the label values and the filters alike.
            var site = d.Labels.TryGetValue(FilterLabels[0], out var siteValue) ? siteValue : null;
            var type = d.Labels.TryGetValue(FilterLabels[1], out var typeValue) ? typeValue : null;
            if (site is not null && labelValues[0].Count < MaxLabelValues)
            {
                labelValues[0].Add(site);
            }

            if (type is not null && labelValues[1].Count < MaxLabelValues)
            {
                labelValues[1].Add(type);
            }

            DeviceStatus status;
            Severity? severity = null;
            var count = 0;
            if (worst.Count > 0 && worst.TryGetValue(d.Key, out var w))
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

            counts[(int)status]++;
            if ((query.Status is { } s && s != status)
                || (query.Site is { } wantedSite && site != wantedSite)
                || (query.DeviceType is { } wantedType && type != wantedType)
                || (query.Search is { } q && !d.Key.Contains(q, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            rows[matched++] = new Row(d.Key, index, status, severity, count);
        }

        var page = Page(rows.AsSpan(0, matched), query.Offset, query.Limit, devices);
        var byStatus = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["firing"] = counts[(int)DeviceStatus.Firing],
            ["pending"] = counts[(int)DeviceStatus.Pending],
            ["silent"] = counts[(int)DeviceStatus.Silent],
            ["ok"] = counts[(int)DeviceStatus.Ok],
        };
        var values = new Dictionary<string, IReadOnlyList<string>>(FilterLabels.Length, StringComparer.Ordinal);
        for (var i = 0; i < FilterLabels.Length; i++)
        {
            var sorted = labelValues[i].ToArray();
            Array.Sort(sorted, StringComparer.Ordinal);
            values[FilterLabels[i]] = sorted;
        }

        return new DeviceListResponse(devices.Count, matched, query.Offset, page, byStatus, values);
    }

    /// <summary>
    /// The rows <c>[offset, offset + limit)</c> in fleet order. A page near the top (the first render) keeps only the
    /// best <c>offset + limit</c> rows in a bounded heap instead of sorting every matching device.
    /// </summary>
    private static List<DeviceSummary> Page(Span<Row> rows, int offset, int limit, IReadOnlyList<DeviceActivity> devices)
    {
        var page = new List<DeviceSummary>(Math.Max(0, Math.Min(limit, rows.Length - offset)));
        if (offset >= rows.Length)
        {
            return page;
        }

        var end = (int)Math.Min((long)offset + limit, rows.Length);
        Span<Row> top;
        if (end * 4L < rows.Length)
        {
            // The heap's minimum is the row that sorts last, so it is the one a better row replaces.
            var heap = new PriorityQueue<Row, Row>(end, ReverseOrder.Instance);
            foreach (var row in rows)
            {
                if (heap.Count < end)
                {
                    heap.Enqueue(row, row);
                }
                else if (Compare(row, heap.Peek()) < 0)
                {
                    heap.DequeueEnqueue(row, row);
                }
            }

            top = new Row[heap.Count];
            for (var i = top.Length - 1; i >= 0; i--)
            {
                top[i] = heap.Dequeue();
            }
        }
        else
        {
            rows.Sort(Compare);
            top = rows[..end];
        }

        for (var i = offset; i < end; i++)
        {
            var r = top[i];
            var d = devices[r.Index];
            page.Add(new DeviceSummary(d.Key, r.Status, r.Severity, r.Firing, d.LastEventTime, d.Labels));
        }

        return page;
    }

    // Trouble on top: firing by worst severity, then pending, silent, ok; then by id for a stable order.
    private static int Compare(Row a, Row b)
    {
        var c = b.Status.CompareTo(a.Status);
        if (c == 0)
        {
            c = (b.Severity ?? Severity.Info).CompareTo(a.Severity ?? Severity.Info);
        }

        return c != 0 ? c : string.CompareOrdinal(a.Key, b.Key);
    }

    private readonly record struct Row(string Key, int Index, DeviceStatus Status, Severity? Severity, int Firing);

    private sealed class ReverseOrder : IComparer<Row>
    {
        public static readonly ReverseOrder Instance = new();

        public int Compare(Row x, Row y) => FleetView.Compare(y, x);
    }
}
