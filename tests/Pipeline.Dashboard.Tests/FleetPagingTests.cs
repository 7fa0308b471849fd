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

    private static int Number(string id) => int.Parse(id.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture);
}
