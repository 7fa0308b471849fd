using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Dashboard.Tests;

/// <summary>The chart history: events in, downsampled buckets out, bounded whatever arrives.</summary>
public sealed class MetricHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Telemetry At(double seconds, double temperature, string key = "d1") =>
        new(key, T0.AddSeconds(seconds), new Dictionary<string, double> { ["temperature"] = temperature },
            new Dictionary<string, string> { ["site"] = "plant-1" });

    [Fact]
    public async Task Events_are_downsampled_into_fixed_buckets_oldest_first()
    {
        var history = new MemoryMetricHistory(new MetricHistoryOptions { BucketWidth = TimeSpan.FromMinutes(1), Buckets = 3 });
        history.Record([
            At(0, 10),    // bucket 00:00
            At(30, 20),   // bucket 00:00
            At(70, 40),   // bucket 00:01
            At(15, 30),   // late, still inside the ring: bucket 00:00
        ]);

        var device = await history.GetAsync("d1");
        Assert.NotNull(device);
        Assert.Equal(T0.AddSeconds(70), device.LastEventTime);
        Assert.Equal(
            [
                new HistoryPoint(T0, 20, 10, 30, 3),               // mean of 10, 20, 30
                new HistoryPoint(T0.AddMinutes(1), 40, 40, 40, 1),
            ],
            device.Metrics["temperature"]);
        var listed = Assert.Single(await history.ListAsync());
        Assert.Equal(40, listed.LastValues["temperature"]); // the newest event's value, not the late one's
        Assert.Equal("plant-1", listed.Labels["site"]);
    }

    [Fact]
    public async Task A_key_known_only_from_the_engine_state_is_listed_without_events_and_keeps_its_pending_flag()
    {
        var history = new MemoryMetricHistory();
        history.RecordState("ghost-01", pending: false, T0); // an expected key created by the Sweep
        history.Record([At(0, 70)]);
        history.RecordState("d1", pending: true, T0);        // d1's rule waits out its `for`

        var listed = (await history.ListAsync()).OrderBy(d => d.Key, StringComparer.Ordinal).ToList();

        Assert.Equal(["d1", "ghost-01"], listed.Select(d => d.Key));
        Assert.Equal((T0, true), (listed[0].LastEventTime!.Value, listed[0].Pending));
        Assert.Equal(((DateTimeOffset?)null, false), (listed[1].LastEventTime, listed[1].Pending));
        Assert.Null(await history.GetAsync("ghost-01")); // no chart for a key that never sent

        history.RecordState("d1", pending: false, T0);        // the condition cleared before `for` elapsed
        Assert.False((await history.ListAsync()).Single(d => d.Key == "d1").Pending);
    }

    [Fact]
    public async Task The_ring_keeps_only_the_newest_buckets()
    {
        var history = new MemoryMetricHistory(new MetricHistoryOptions { BucketWidth = TimeSpan.FromMinutes(1), Buckets = 3 });
        history.Record([At(0, 1), At(60, 2), At(120, 3), At(180, 4)]); // four buckets into a ring of three
        history.Record([At(5, 99)]);                                   // older than the ring: ignored
        history.Record([At(600, 5)]);                                  // a long gap clears everything before it

        var points = (await history.GetAsync("d1"))!.Metrics["temperature"];
        Assert.Equal([new HistoryPoint(T0.AddMinutes(10), 5, 5, 5, 1)], points);
    }

    [Fact]
    public void Encoded_size_grows_with_filled_buckets_up_to_the_ring()
    {
        var history = new MemoryMetricHistory(new MetricHistoryOptions { BucketWidth = TimeSpan.FromMinutes(1), Buckets = 120 });
        var key = "chiller-02";
        Assert.Equal(0, history.EncodedSize(key));
        for (var minute = 0; minute < 300; minute++)
        {
            history.Record([At(minute * 60, 70, key)]);
        }

        // key (10 + 1) + name "temperature" (11 + 1) + newest bucket 8 + count 2 + 120 buckets × 18 bytes
        Assert.Equal(11 + 12 + 8 + 2 + (120 * 18), history.EncodedSize(key));
    }

    [Fact]
    public void Settings_out_of_range_are_named()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryMetricHistory(new MetricHistoryOptions { Buckets = 1 }));
        Assert.StartsWith("MetricHistory Buckets must be from 2 to 10000.", error.Message, StringComparison.Ordinal);
    }
}
