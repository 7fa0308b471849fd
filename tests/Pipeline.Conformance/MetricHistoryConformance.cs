using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Conformance;

/// <summary>
/// The <see cref="IMetricHistory"/> contract. Derive once per implementation. Values are chosen exact in 32-bit floats
/// (halves and quarters), so an implementation that stores chart buckets as floats answers the same points.
/// </summary>
public abstract class MetricHistoryConformance
{
    private static readonly DateTimeOffset T0 = TestData.T0;

    /// <summary>A new, empty history with these settings.</summary>
    protected abstract Task<IMetricHistory> CreateAsync(MetricHistoryOptions options);

    /// <summary>
    /// The history a reader sees after <paramref name="written"/> recorded: the same instance by default; a store of its
    /// own returns a new instance over the same store once the written one has flushed (what another instance reads).
    /// </summary>
    protected virtual Task<IMetricHistory> ReaderAsync(IMetricHistory written) => Task.FromResult(written);

    /// <summary>
    /// Brings <paramref name="written"/> to rest before a purge: nothing by default; a store of its own writes what it
    /// holds in memory, since a purge leaves a device with unwritten changes alone.
    /// </summary>
    protected virtual Task SettleAsync(IMetricHistory written) => Task.CompletedTask;

    private static Telemetry At(double seconds, double temperature, string key = "d1", string site = "plant-1") =>
        new(key, T0.AddSeconds(seconds), new Dictionary<string, double> { ["temperature"] = temperature },
            new Dictionary<string, string> { ["site"] = site });

    private static readonly MetricHistoryOptions ThreeMinutes = new() { BucketWidth = TimeSpan.FromMinutes(1), Buckets = 3 };

    [ConformanceFact]
    public async Task An_empty_history_lists_nothing_and_has_no_device()
    {
        var history = await ReaderAsync(await CreateAsync(new MetricHistoryOptions()));

        Assert.Empty(await history.ListAsync());
        Assert.Null(await history.GetAsync("d1"));
    }

    [ConformanceFact]
    public async Task Events_are_downsampled_into_fixed_buckets_oldest_first()
    {
        var written = await CreateAsync(ThreeMinutes);
        written.Record([
            At(0, 10),    // bucket 00:00
            At(30, 21),   // bucket 00:00
            At(70, 40),   // bucket 00:01
            At(15, 32),   // late, still inside the ring: bucket 00:00
        ]);

        var history = await ReaderAsync(written);
        var device = await history.GetAsync("d1");

        Assert.NotNull(device);
        Assert.Equal(T0.AddSeconds(70), device.LastEventTime);
        Assert.Equal("plant-1", device.Labels["site"]);
        Assert.Equal(
            [
                new HistoryPoint(T0, 21, 10, 32, 3),                // mean of 10, 21, 32
                new HistoryPoint(T0.AddMinutes(1), 40, 40, 40, 1),
            ],
            device.Metrics["temperature"]);
        var listed = Assert.Single(await history.ListAsync());
        Assert.Equal("d1", listed.Key);
        Assert.Equal(T0.AddSeconds(70), listed.LastEventTime);
        Assert.Equal(40, listed.LastValues["temperature"]); // the newest event's value, not the late one's
        Assert.Equal("plant-1", listed.Labels["site"]);
        Assert.False(listed.Pending);
    }

    [ConformanceFact]
    public async Task Last_values_are_exact_whatever_the_charts_keep()
    {
        var written = await CreateAsync(new MetricHistoryOptions());
        written.Record([At(0, 92.59833333333333)]);

        var listed = Assert.Single(await (await ReaderAsync(written)).ListAsync());

        Assert.Equal(92.59833333333333, listed.LastValues["temperature"]);
    }

    [ConformanceFact]
    public async Task A_key_known_only_from_the_engine_state_is_listed_without_events_with_its_pending_flag()
    {
        var written = await CreateAsync(new MetricHistoryOptions());
        written.RecordState("ghost-01", pending: false, T0); // an expected key created by the Sweep
        written.Record([At(0, 70)]);
        written.RecordState("d1", pending: true, T0);        // d1's rule waits out its `for`

        var history = await ReaderAsync(written);
        var listed = (await history.ListAsync()).OrderBy(d => d.Key, StringComparer.Ordinal).ToList();

        Assert.Equal(["d1", "ghost-01"], listed.Select(d => d.Key));
        Assert.Equal((T0, true), (listed[0].LastEventTime!.Value, listed[0].Pending));
        Assert.Equal(((DateTimeOffset?)null, false), (listed[1].LastEventTime, listed[1].Pending));
        Assert.Empty(listed[1].LastValues);
        Assert.Null(await history.GetAsync("ghost-01")); // no chart for a key that never sent
    }

    [ConformanceFact]
    public async Task The_pending_flag_follows_the_latest_state()
    {
        var written = await CreateAsync(new MetricHistoryOptions());
        written.Record([At(0, 70)]);
        written.RecordState("d1", pending: true, T0);
        Assert.True(Assert.Single(await (await ReaderAsync(written)).ListAsync()).Pending);

        written.RecordState("d1", pending: false, T0.AddSeconds(1)); // the condition cleared before `for` elapsed

        Assert.False(Assert.Single(await (await ReaderAsync(written)).ListAsync()).Pending);
    }

    [ConformanceFact]
    public async Task The_ring_keeps_only_the_newest_buckets_and_a_gap_clears_the_skipped_ones()
    {
        var written = await CreateAsync(ThreeMinutes);
        written.Record([
            At(0, 1),          // 00:00, pushed out below
            At(60, 2),         // 00:01
            At(120, 3),        // 00:02
            At(180, 4),        // 00:03: the ring is now 00:01..00:03
            At(10, 100),       // 00:00 again: older than the ring, ignored
        ]);
        Assert.Equal(
            [T0.AddMinutes(1), T0.AddMinutes(2), T0.AddMinutes(3)],
            (await (await ReaderAsync(written)).GetAsync("d1"))!.Metrics["temperature"].Select(p => p.Time));

        written.Record([At(600, 5)]); // 00:10: every bucket in between is gone

        var points = (await (await ReaderAsync(written)).GetAsync("d1"))!.Metrics["temperature"];
        Assert.Equal([new HistoryPoint(T0.AddMinutes(10), 5, 5, 5, 1)], points);
    }

    [ConformanceFact]
    public async Task Non_finite_values_and_metrics_beyond_the_limit_are_not_kept()
    {
        var written = await CreateAsync(new MetricHistoryOptions { MaxMetricsPerDevice = 2 });
        written.Record([
            new Telemetry("d1", T0, new Dictionary<string, double> { ["a"] = 1, ["b"] = double.NaN }),
            new Telemetry("d1", T0.AddSeconds(1), new Dictionary<string, double> { ["b"] = 2.5, ["c"] = 3 }),
            new Telemetry("d1", T0.AddSeconds(2), new Dictionary<string, double> { ["c"] = double.PositiveInfinity, ["a"] = 1.5 }),
        ]);

        var history = await ReaderAsync(written);
        var device = await history.GetAsync("d1");

        Assert.Equal(["a", "b"], device!.Metrics.Keys.Order(StringComparer.Ordinal));   // c came third: over the limit
        Assert.Equal([new HistoryPoint(T0, 1.25, 1, 1.5, 2)], device.Metrics["a"]);
        Assert.Equal([new HistoryPoint(T0, 2.5, 2.5, 2.5, 1)], device.Metrics["b"]);  // NaN skipped
        var listed = Assert.Single(await history.ListAsync());
        Assert.Equal(1.5, listed.LastValues["a"]);
        Assert.Equal(2.5, listed.LastValues["b"]);
    }

    [ConformanceFact]
    public async Task Labels_follow_the_newest_event_and_an_event_without_labels_keeps_them()
    {
        var written = await CreateAsync(new MetricHistoryOptions());
        written.Record([
            At(0, 1, site: "plant-1"),
            At(10, 2, site: "plant-2"),
            At(5, 3, site: "plant-3"), // late: its labels are not the device's
            new Telemetry("d1", T0.AddSeconds(20), new Dictionary<string, double> { ["temperature"] = 4 }),
        ]);

        var listed = Assert.Single(await (await ReaderAsync(written)).ListAsync());

        Assert.Equal("plant-2", listed.Labels["site"]);
        Assert.Equal(T0.AddSeconds(20), listed.LastEventTime);
        Assert.Equal(4, listed.LastValues["temperature"]);
    }

    [ConformanceFact]
    public async Task Keys_that_need_escaping_in_stores_round_trip()
    {
        string[] keys = ["a/b", "c#d?e", "back\\slash", "100%", "<img src=x onerror=alert(1)>", "kühl-ø1"];
        var written = await CreateAsync(new MetricHistoryOptions());
        written.Record([.. keys.Select((k, i) => At(i, i + 0.5, key: k))]);

        var history = await ReaderAsync(written);

        Assert.Equal(keys.Order(StringComparer.Ordinal), (await history.ListAsync()).Select(d => d.Key).Order(StringComparer.Ordinal));
        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
        {
            var device = await history.GetAsync(key);
            Assert.Equal([new HistoryPoint(T0, i + 0.5, i + 0.5, i + 0.5, 1)], device!.Metrics["temperature"]);
        }
    }

    [ConformanceFact]
    public async Task A_fleet_of_hundreds_is_listed_whole()
    {
        var written = await CreateAsync(new MetricHistoryOptions());
        written.Record([.. Enumerable.Range(0, 450).Select(i => At(i % 60, i, key: $"dev-{i:D4}"))]);
        written.RecordState("dev-0007", pending: true, T0);

        var listed = await (await ReaderAsync(written)).ListAsync();

        Assert.Equal(Enumerable.Range(0, 450).Select(i => $"dev-{i:D4}"), listed.Select(d => d.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["dev-0007"], listed.Where(d => d.Pending).Select(d => d.Key));
        Assert.Equal(123, listed.Single(d => d.Key == "dev-0123").LastValues["temperature"]);
    }

    [ConformanceFact]
    public async Task A_purge_removes_devices_last_seen_before_the_cutoff_and_keeps_the_others()
    {
        var written = await CreateAsync(new MetricHistoryOptions());
        var day = TimeSpan.FromDays(1).TotalSeconds;
        written.Record([
            At(0, 1, key: "retired"),               // last event at day 0
            At(3 * day, 2, key: "at-cutoff"),       // last event exactly at the cutoff
            At(2 * day, 3, key: "active"),
            At(9 * day, 4, key: "active"),          // last event at day 9
        ]);
        written.RecordState("retired", pending: false, T0);
        written.RecordState("active", pending: false, T0.AddDays(9));
        written.RecordState("ghost-old", pending: false, T0.AddDays(1)); // expected, never sent, first listed at day 1
        written.RecordState("ghost-new", pending: false, T0.AddDays(4)); // expected, never sent, first listed at day 4
        written.RecordState("ghost-old", pending: true, T0.AddDays(8));  // listed again later: still judged by day 1
        await SettleAsync(written);

        var removed = await written.PurgeAsync(T0.AddDays(3));

        Assert.Equal(2, removed); // retired (day 0) and ghost-old (first listed day 1); a cutoff is exclusive
        var history = await ReaderAsync(written);
        Assert.Equal(["active", "at-cutoff", "ghost-new"], (await history.ListAsync()).Select(d => d.Key).Order(StringComparer.Ordinal));
        Assert.Null(await history.GetAsync("retired"));
        Assert.Equal(T0.AddDays(9), (await history.GetAsync("active"))!.LastEventTime);
        Assert.Equal(0, await written.PurgeAsync(T0.AddDays(3))); // nothing left to remove
    }

    [ConformanceFact]
    public async Task A_purged_device_that_sends_again_starts_a_new_history()
    {
        var written = await CreateAsync(ThreeMinutes);
        written.Record([At(0, 1, key: "d1", site: "plant-1")]);       // 00:00
        written.RecordState("d1", pending: true, T0);
        await SettleAsync(written);
        Assert.Equal(1, await written.PurgeAsync(T0.AddSeconds(30))); // d1 is gone

        written.Record([new Telemetry("d1", T0.AddSeconds(60), new Dictionary<string, double> { ["temperature"] = 5 })]); // 00:01, no labels

        var history = await ReaderAsync(written);
        var device = await history.GetAsync("d1");
        Assert.Equal([new HistoryPoint(T0.AddMinutes(1), 5, 5, 5, 1)], device!.Metrics["temperature"]); // 00:00 went with the purge
        var listed = Assert.Single(await history.ListAsync());
        Assert.Equal((T0.AddMinutes(1), 0, false), (listed.LastEventTime!.Value, listed.Labels.Count, listed.Pending)); // old labels and flag gone too
    }

    [ConformanceFact]
    public async Task Purging_an_empty_history_removes_nothing()
    {
        var written = await CreateAsync(new MetricHistoryOptions());

        Assert.Equal(0, await written.PurgeAsync(T0));
        Assert.Empty(await (await ReaderAsync(written)).ListAsync());
    }
}
