using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Azure.Tests.State;

/// <summary>What the Table-backed history adds to the contract: flushes, ownership moves, restarts, reads.</summary>
[Collection(AzuriteTests.Name)]
public sealed class TableMetricHistoryTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = TestData.T0;

    /// <summary>Options on a fresh table, no timer and no list cache: the tests flush and read when they say so.</summary>
    internal static TableMetricHistoryOptions Options(MetricHistoryOptions? history = null) => new()
    {
        History = history ?? new MetricHistoryOptions(),
        Table = TestData.UniqueName("history"),
        FlushInterval = TimeSpan.Zero,
        ListCacheDuration = TimeSpan.Zero,
    };

    private (TableServiceClient Service, Requests Requests) CountingService()
    {
        var requests = new Requests();
        var options = new TableClientOptions();
        options.AddPolicy(requests, HttpPipelinePosition.PerRetry);
        return (new TableServiceClient(azurite.ConnectionString, options), requests);
    }

    private async Task<TableMetricHistory> CreateAsync(TableMetricHistoryOptions options, TableServiceClient? service = null, TimeProvider? time = null)
    {
        var history = new TableMetricHistory(service ?? azurite.CreateTableServiceClient(), options, time);
        await history.EnsureCreatedAsync();
        return history;
    }

    private static Telemetry At(string key, double seconds, double temperature) =>
        new(key, T0.AddSeconds(seconds), new Dictionary<string, double> { ["temperature"] = temperature },
            new Dictionary<string, string> { ["site"] = "plant-1" });

    private static IEnumerable<Telemetry> Fleet(int devices, double seconds, double value = 1) =>
        Enumerable.Range(0, devices).Select(i => At($"dev-{i:D4}", seconds, value));

    [AzuriteFact]
    public async Task A_flush_writes_dirty_devices_in_full_transactions_of_their_bucket_and_nothing_when_nothing_changed()
    {
        var (service, requests) = CountingService();
        var options = Options() with { Partitions = 1 };
        var history = await CreateAsync(options, service);
        history.Record([.. Fleet(250, 0)]);
        requests.Clear();

        var first = await history.FlushAsync();

        // A new instance reads its devices' rows before it writes: 250 unread devices of one bucket are one partition
        // scan (one page, the table is empty), then 100 + 100 + 50 rows in three transactions.
        Assert.Equal(new MetricHistoryFlush(Devices: 250, Transactions: 3, Reads: 1, Conflicts: 0, Remaining: 0), first);
        Assert.Equal(4, requests.Count);

        requests.Clear();
        Assert.Equal(new MetricHistoryFlush(0, 0, 0, 0, 0), await history.FlushAsync()); // nothing dirty: no request
        Assert.Equal(0, requests.Count);

        history.Record([.. Fleet(120, 60, 2)]);        // 120 devices change
        history.RecordState("dev-0000", pending: false, T0); // a first flag is a change
        var second = await history.FlushAsync();
        Assert.Equal(new MetricHistoryFlush(Devices: 120, Transactions: 2, Reads: 0, Conflicts: 0, Remaining: 0), second); // loaded rows: no read
        Assert.Equal(2, requests.Count);

        requests.Clear();
        history.RecordState("dev-0000", pending: false, T0); // the same flag again: the processor says it every batch
        Assert.Equal(new MetricHistoryFlush(0, 0, 0, 0, 0), await history.FlushAsync());
        Assert.Equal(0, requests.Count);

        var rows = new List<TableEntity>();
        await foreach (var row in service.GetTableClient(options.Table).QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        Assert.Equal(250, rows.Count);
        Assert.All(rows, r => Assert.Equal("b000", r.PartitionKey));
    }

    [AzuriteFact]
    public async Task One_flush_writes_at_most_its_bound_oldest_dirty_first()
    {
        var history = await CreateAsync(Options() with { MaxDevicesPerFlush = 100 });
        history.Record([.. Fleet(250, 0)]);

        var flushes = new List<MetricHistoryFlush> { await history.FlushAsync(), await history.FlushAsync(), await history.FlushAsync() };

        Assert.Equal([(100, 150), (100, 50), (50, 0)], flushes.Select(f => (f.Devices, f.Remaining)));
        var reader = new TableMetricHistory(azurite.CreateTableServiceClient(), history.Options);
        Assert.Equal(250, (await reader.ListAsync()).Count);
    }

    [AzuriteFact]
    public async Task A_new_owner_merges_the_stored_rings_and_a_stale_writer_merges_on_its_conflict()
    {
        var options = Options();
        var a = await CreateAsync(options);
        a.Record([
            At("d1", 0, 10), At("d1", 30, 12),      // 00:00
            At("d1", 60, 20), At("d1", 90, 22),     // 00:01
            At("d1", 180, 30), At("d1", 190, 31), At("d1", 200, 32), // 00:03: three samples on A
        ]);
        Assert.Equal(1, (await a.FlushAsync()).Devices);

        // The partition moves to B, which has never seen d1.
        var b = await CreateAsync(options);
        b.Record([
            At("d1", 220, 40),                      // 00:03: one sample on B (the hand-over minute)
            At("d1", 240, 50), At("d1", 270, 52),   // 00:04
        ]);
        var bFlush = await b.FlushAsync();
        Assert.Equal((1, 1, 0), (bFlush.Devices, bFlush.Reads, bFlush.Conflicts)); // read d1's row first, then wrote

        var reader = new TableMetricHistory(azurite.CreateTableServiceClient(), options);
        Assert.Equal(
            [
                new HistoryPoint(T0, 11, 10, 12, 2),                  // A's
                new HistoryPoint(T0.AddMinutes(1), 21, 20, 22, 2),    // A's
                new HistoryPoint(T0.AddMinutes(3), 31, 30, 32, 3),    // both had 00:03: A's three samples beat B's one
                new HistoryPoint(T0.AddMinutes(4), 51, 50, 52, 2),    // B's
            ],
            (await reader.GetAsync("d1"))!.Metrics["temperature"]);

        // A still holds d1 from before the move (a late batch it finishes): its ETag is stale.
        a.Record([At("d1", 300, 60)]);             // 00:05
        var aFlush = await a.FlushAsync();
        Assert.Equal((1, 1, 1), (aFlush.Devices, aFlush.Reads, aFlush.Conflicts)); // 412, re-read, merged, written

        // And B, whose ETag A's write made stale, writes its next minute the same way.
        b.Record([At("d1", 360, 70)]);             // 00:06
        var bSecond = await b.FlushAsync();
        Assert.Equal((1, 1), (bSecond.Devices, bSecond.Conflicts));

        var device = await new TableMetricHistory(azurite.CreateTableServiceClient(), options).GetAsync("d1");
        Assert.Equal(
            [
                new HistoryPoint(T0, 11, 10, 12, 2),
                new HistoryPoint(T0.AddMinutes(1), 21, 20, 22, 2),
                new HistoryPoint(T0.AddMinutes(3), 31, 30, 32, 3),
                new HistoryPoint(T0.AddMinutes(4), 51, 50, 52, 2),
                new HistoryPoint(T0.AddMinutes(5), 60, 60, 60, 1),    // A's late minute, kept by B's merge
                new HistoryPoint(T0.AddMinutes(6), 70, 70, 70, 1),
            ],
            device!.Metrics["temperature"]);
        Assert.Equal(T0.AddMinutes(6), device.LastEventTime);
    }

    [AzuriteFact]
    public async Task After_a_restart_a_new_instance_lists_the_fleet_with_pending_flags_and_expected_keys()
    {
        var options = Options();
        var before = await CreateAsync(options);
        before.Record([At("d1", 0, 70), At("d2", 5, 80), At("d3", 10, 90)]);
        before.RecordState("d1", pending: false, T0);
        before.RecordState("d2", pending: true, T0);       // d2's rule waits out its `for`
        before.RecordState("ghost-01", pending: false, T0); // a heartbeat rule's expected key, never sent
        await before.DisposeAsync();                    // shutting down flushes

        var after = await CreateAsync(options);
        var listed = (await after.ListAsync()).OrderBy(d => d.Key, StringComparer.Ordinal).ToList();

        Assert.Equal(["d1", "d2", "d3", "ghost-01"], listed.Select(d => d.Key));
        Assert.Equal([false, true, false, false], listed.Select(d => d.Pending));
        Assert.Equal([T0, T0.AddSeconds(5), T0.AddSeconds(10), (DateTimeOffset?)null], listed.Select(d => d.LastEventTime));
        Assert.Equal(80, listed[1].LastValues["temperature"]);
        Assert.Equal("plant-1", listed[2].Labels["site"]);
    }

    [AzuriteFact]
    public async Task The_fleet_list_selects_only_the_fleet_columns_and_is_cached_for_the_set_time()
    {
        var (service, requests) = CountingService();
        var time = new FakeTimeProvider(T0);
        var options = Options() with { ListCacheDuration = TimeSpan.FromSeconds(5) };
        var writer = await CreateAsync(options);
        writer.Record([At("d1", 0, 1)]);
        await writer.FlushAsync();
        var reader = await CreateAsync(options, service, time);
        requests.Clear();

        Assert.Equal(["d1"], (await reader.ListAsync()).Select(d => d.Key));
        var query = Assert.Single(requests.Uris);
        Assert.Contains("$select=RowKey,LastTicks,Pending,F", Uri.UnescapeDataString(query), StringComparison.Ordinal);

        writer.Record([At("d2", 0, 2)]);
        await writer.FlushAsync();
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(["d1"], (await reader.ListAsync()).Select(d => d.Key)); // within 5 s: the cached listing
        Assert.Single(requests.Uris);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["d1", "d2"], (await reader.ListAsync()).Select(d => d.Key).Order(StringComparer.Ordinal));
        Assert.Equal(2, requests.Uris.Count);
    }

    [AzuriteFact]
    public async Task The_timer_flushes_every_interval()
    {
        var time = new FakeTimeProvider(T0);
        var options = Options() with { FlushInterval = TimeSpan.FromSeconds(30) };
        await using var history = await CreateAsync(options, time: time);
        history.Record([At("d1", 0, 1)]);

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Null(history.BackgroundFlush);                // not yet
        time.Advance(TimeSpan.FromSeconds(1));
        await history.BackgroundFlush!;

        Assert.Null(history.LastFlushError);
        Assert.Equal(0, history.DirtyCount);
        var reader = new TableMetricHistory(azurite.CreateTableServiceClient(), options with { FlushInterval = TimeSpan.Zero });
        Assert.Equal(["d1"], (await reader.ListAsync()).Select(d => d.Key));
    }

    [AzuriteFact]
    public async Task A_key_too_long_for_a_row_key_stays_in_memory_and_does_not_hold_the_others()
    {
        var options = Options() with { Partitions = 1 };
        var history = await CreateAsync(options);
        var longKey = new string('k', 600);
        history.Record([At(longKey, 0, 1), At("d1", 0, 2)]);

        var flushed = await history.FlushAsync();

        Assert.Equal((1, 0), (flushed.Devices, flushed.Remaining));
        Assert.Equal(2, (await history.ListAsync()).Count);                 // this instance still shows it
        Assert.NotNull(await history.GetAsync(longKey));
        var reader = new TableMetricHistory(azurite.CreateTableServiceClient(), options);
        Assert.Equal(["d1"], (await reader.ListAsync()).Select(d => d.Key)); // the table has the other
    }

    [AzuriteFact]
    public async Task A_purge_reads_only_keys_and_times_and_deletes_in_full_transactions_of_their_bucket()
    {
        var (service, requests) = CountingService();
        var options = Options() with { Partitions = 1 };
        var history = await CreateAsync(options, service);
        history.Record([.. Fleet(250, 0)]);                                // retired: last seen at T0
        history.Record([.. Enumerable.Range(0, 5).Select(i => At($"live-{i}", 7200, 1))]); // seen two hours later
        await history.FlushAsync();
        requests.Clear();

        var removed = await history.PurgeAsync(T0.AddHours(1));

        // One query page of the candidates, then 100 + 100 + 50 deletes in three transactions.
        Assert.Equal(250, removed);
        Assert.Equal(4, requests.Count);
        Assert.Contains("$select=PartitionKey,RowKey,Timestamp,LastTicks,ListedTicks", Uri.UnescapeDataString(requests.Uris[0]), StringComparison.Ordinal);
        var reader = new TableMetricHistory(azurite.CreateTableServiceClient(), options);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"live-{i}"), (await reader.ListAsync()).Select(d => d.Key).Order(StringComparer.Ordinal));
        Assert.Equal(5, (await history.ListAsync()).Count);               // this instance's memory dropped them too
    }

    [AzuriteFact]
    public async Task A_device_with_unflushed_changes_is_kept_until_they_are_flushed()
    {
        var options = Options();
        var history = await CreateAsync(options);
        history.Record([At("d1", 0, 1)]);
        await history.FlushAsync();
        history.Record([At("d1", 10, 2)]);                                 // a late batch, still before the cut-off, not flushed

        Assert.Equal(0, await history.PurgeAsync(T0.AddHours(1)));        // kept: this instance has changes to write
        Assert.Equal(["d1"], (await history.ListAsync()).Select(d => d.Key));

        await history.FlushAsync();
        Assert.Equal(1, await history.PurgeAsync(T0.AddHours(1)));        // written, and still before the cut-off
        Assert.Empty(await new TableMetricHistory(azurite.CreateTableServiceClient(), options).ListAsync());
    }

    [AzuriteFact]
    public async Task A_row_another_instance_writes_after_the_purge_read_it_is_not_deleted()
    {
        var options = Options() with { Partitions = 1 }; // both rows in one transaction, the one the hook holds back
        var other = await CreateAsync(options);
        var seed = await CreateAsync(options);
        seed.Record([At("d1", 0, 1), At("d2", 0, 2)]);
        await seed.FlushAsync();

        // The purging instance: just before its delete transaction goes out, the other instance (which took d1 over)
        // writes d1's newer event.
        var writeFirst = new BeforeFirstBatch(async () =>
        {
            other.Record([At("d1", 7200, 3)]);
            Assert.Equal(1, (await other.FlushAsync()).Devices);
        });
        var clientOptions = new TableClientOptions();
        clientOptions.AddPolicy(writeFirst, HttpPipelinePosition.PerCall);
        var purging = await CreateAsync(options, new TableServiceClient(azurite.ConnectionString, clientOptions));

        var removed = await purging.PurgeAsync(T0.AddHours(1));

        Assert.True(writeFirst.Ran);
        Assert.Equal(1, removed);                                          // d2; d1's ETag no longer matched
        var listed = Assert.Single(await new TableMetricHistory(azurite.CreateTableServiceClient(), options).ListAsync());
        Assert.Equal(("d1", T0.AddHours(2)), (listed.Key, listed.LastEventTime!.Value));
    }

    [AzuriteFact]
    public async Task Each_instance_drops_from_memory_the_devices_another_instance_deleted()
    {
        var options = Options();
        var a = await CreateAsync(options);
        var b = await CreateAsync(options);
        a.Record([At("d1", 0, 1)]);
        await a.FlushAsync();

        Assert.Equal(1, await b.PurgeAsync(T0.AddHours(1)));               // b deletes the row
        Assert.Equal(["d1"], (await a.ListAsync()).Select(d => d.Key));   // a still shows its own copy

        Assert.Equal(0, await a.PurgeAsync(T0.AddHours(1)));               // no row left to delete: a only forgets it
        Assert.Empty(await a.ListAsync());
    }

    [AzuriteFact]
    public async Task A_row_written_before_retention_without_any_time_is_judged_by_its_last_write()
    {
        var options = Options();
        var history = await CreateAsync(options);
        var table = azurite.CreateTableServiceClient().GetTableClient(options.Table);
        await table.AddEntityAsync(new TableEntity(TableKeys.Bucket("ghost-01", options.Partitions), "ghost-01") { ["Pending"] = false });
        var written = (await table.GetEntityAsync<TableEntity>(TableKeys.Bucket("ghost-01", options.Partitions), "ghost-01")).Value.Timestamp!.Value;

        Assert.Equal(0, await history.PurgeAsync(written));                // written exactly at the cut-off: kept
        Assert.Equal(["ghost-01"], (await history.ListAsync()).Select(d => d.Key));
        Assert.Equal(1, await history.PurgeAsync(written.AddSeconds(1))); // written before it: removed
        Assert.Empty(await history.ListAsync());
    }

    [AzuriteFact]
    public async Task A_device_only_memory_holds_is_counted_when_dropped()
    {
        var history = await CreateAsync(Options());
        history.Record([At(new string('k', 600), 0, 1)]);                // too long for a RowKey: memory only
        await history.FlushAsync();

        Assert.Equal(1, await history.PurgeAsync(T0.AddHours(1)));
        Assert.Empty(await history.ListAsync());
    }

    /// <summary>Runs an action once, before the first entity group transaction the client sends.</summary>
    private sealed class BeforeFirstBatch(Func<Task> action) : HttpPipelinePolicy
    {
        private int _ran;

        public bool Ran => Volatile.Read(ref _ran) == 1;

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (message.Request.Uri.ToString().Contains("$batch", StringComparison.Ordinal) && Interlocked.Exchange(ref _ran, 1) == 0)
            {
                await action();
            }

            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The history sends its requests asynchronously.");
    }

    private sealed class Requests : HttpPipelineSynchronousPolicy
    {
        private readonly ConcurrentQueue<string> _uris = new();

        public int Count => _uris.Count;

        public IReadOnlyList<string> Uris => [.. _uris];

        public void Clear() => _uris.Clear();

        public override void OnSendingRequest(HttpMessage message) => _uris.Enqueue(message.Request.Uri.ToString());
    }
}
