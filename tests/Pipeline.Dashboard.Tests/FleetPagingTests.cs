using Pipeline.Core.State;
using Pipeline.Dashboard.Api;

namespace Pipeline.Dashboard.Tests;

/// <summary>
/// Pages of the fleet view cut from a large fleet: the pages near the top (kept in a bounded heap) and the deeper ones
/// (cut from a full sort) follow the one order trouble first, then by id, with no device missing or repeated.
/// </summary>
public sealed class FleetPagingTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Every_page_of_a_thousand_devices_follows_the_fleet_order()
    {
        // Ids in a shuffled order; every third device pending, every fifth that is not pending never sent (silent).
        var random = new Random(14);
        var ids = Enumerable.Range(0, 1000).Select(i => $"dev-{i:0000}").OrderBy(_ => random.Next()).ToList();
        var devices = ids.Select(id =>
        {
            var n = int.Parse(id.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture);
            var pending = n % 3 == 0;
            var silent = !pending && n % 5 == 0;
            return new DeviceActivity(id, silent ? null : s_now, new Dictionary<string, string>(), new Dictionary<string, double>(), pending);
        }).ToList();

        // The expected order, written out: pending first, then silent, then ok; by id (ordinal) within each.
        var expected = ids.Where(id => Number(id) % 3 == 0).Order(StringComparer.Ordinal)
            .Concat(ids.Where(id => Number(id) % 3 != 0 && Number(id) % 5 == 0).Order(StringComparer.Ordinal))
            .Concat(ids.Where(id => Number(id) % 3 != 0 && Number(id) % 5 != 0).Order(StringComparer.Ordinal))
            .ToList();

        var seen = new List<string>();
        for (var offset = 0; offset < 1000; offset += 100)
        {
            var page = FleetView.Build(devices, [], new FleetQuery(null, null, null, null, offset, 100), TimeSpan.FromMinutes(2));
            Assert.Equal(1000, page.Matched);
            Assert.Equal(expected.Skip(offset).Take(100), page.Devices.Select(d => d.Id));
            seen.AddRange(page.Devices.Select(d => d.Id));
        }

        Assert.Equal(1000, seen.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(FleetView.Build(devices, [], new FleetQuery(null, null, null, null, 1000, 100), TimeSpan.FromMinutes(2)).Devices);

        // A filter narrows the rows the heap sees: the pending devices whose id contains "7", first 5.
        var filtered = FleetView.Build(devices, [], new FleetQuery(DeviceStatus.Pending, null, null, "7", 0, 5), TimeSpan.FromMinutes(2));
        Assert.Equal(["dev-0027", "dev-0057", "dev-0072", "dev-0075", "dev-0078"], filtered.Devices.Select(d => d.Id));
        Assert.Equal(334, filtered.ByStatus["pending"]);
    }

    [Fact]
    public void Label_values_are_listed_once_each_in_ordinal_order_and_the_label_filters_match_exactly()
    {
        static DeviceActivity Device(string id, string? site, string? type)
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (site is not null)
            {
                labels["site"] = site;
            }

            if (type is not null)
            {
                labels["deviceType"] = type;
            }

            return new DeviceActivity(id, s_now, labels, new Dictionary<string, double>());
        }

        var devices = new List<DeviceActivity>
        {
            Device("d1", "plant-b", "pump"),
            Device("d2", "plant-a", "chiller"),
            Device("d3", "plant-b", "chiller"),
            Device("d4", null, "Pump"),       // no site; a type that differs from "pump" only in case
            Device("d5", "Plant-a", null),    // a site that differs from "plant-a" only in case
        };

        var all = FleetView.Build(devices, [], new FleetQuery(null, null, null, null, 0, 100), TimeSpan.FromMinutes(2));
        Assert.Equal(["Plant-a", "plant-a", "plant-b"], all.LabelValues["site"]);
        Assert.Equal(["Pump", "chiller", "pump"], all.LabelValues["deviceType"]);

        var chillersAtB = FleetView.Build(devices, [], new FleetQuery(null, "plant-b", "chiller", null, 0, 100), TimeSpan.FromMinutes(2));
        Assert.Equal(["d3"], chillersAtB.Devices.Select(d => d.Id));
        var pumps = FleetView.Build(devices, [], new FleetQuery(null, null, "pump", null, 0, 100), TimeSpan.FromMinutes(2));
        Assert.Equal(["d1"], pumps.Devices.Select(d => d.Id));
        var atA = FleetView.Build(devices, [], new FleetQuery(null, "plant-a", null, null, 0, 100), TimeSpan.FromMinutes(2));
        Assert.Equal(["d2"], atA.Devices.Select(d => d.Id));

        // The label values and counts describe the whole fleet, whatever the filter.
        Assert.Equal(all.LabelValues["site"], chillersAtB.LabelValues["site"]);
        Assert.Equal(5, chillersAtB.ByStatus["ok"]);
    }

    private static int Number(string id) => int.Parse(id.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture);
}
