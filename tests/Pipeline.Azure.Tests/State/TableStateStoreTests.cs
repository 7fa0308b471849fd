using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.State;

namespace Pipeline.Azure.Tests.State;

[Collection(AzuriteTests.Name)]
[SkipWhenEnvironment(AzuriteFixture.SkipVariable, "1", "PIPELINE_SKIP_AZURITE=1")]
public sealed class TableStateStoreConformanceTests(AzuriteFixture azurite) : StateStoreConformance
{
    private readonly Dictionary<IStateStore, string> _tables = [];

    protected override async Task<IStateStore> CreateStoreAsync()
    {
        var table = TestData.UniqueName("state");
        var store = new TableStateStore(azurite.CreateTableServiceClient(), table);
        await store.EnsureCreatedAsync();
        _tables[store] = table;
        return store;
    }

    protected override Task<IStateStore> OpenSecondInstanceAsync(IStateStore first) =>
        Task.FromResult<IStateStore>(new TableStateStore(azurite.CreateTableServiceClient(), _tables[first]));
}

[Collection(AzuriteTests.Name)]
public sealed class TableStateStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = TestData.T0;

    private async Task<(TableStateStore Store, TableClient State, RequestCount Requests)> CreateAsync(int buckets = TableStateStore.DefaultBuckets)
    {
        var requests = new RequestCount();
        var options = new TableClientOptions();
        options.AddPolicy(requests, HttpPipelinePosition.PerRetry);
        var service = new TableServiceClient(azurite.ConnectionString, options);
        var table = TestData.UniqueName("state");
        var store = new TableStateStore(service, table, buckets);
        await store.EnsureCreatedAsync();
        requests.Count = 0;
        return (store, service.GetTableClient(table), requests);
    }

    private static async Task<List<TableEntity>> RowsAsync(TableClient table)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }

    [AzuriteFact]
    public async Task A_snapshot_is_split_into_64_KiB_chunks_in_its_bucket_under_an_escaped_row_key()
    {
        var (store, state, _) = await CreateAsync();

        await store.SaveAsync(new StateWrite("site/7#a", TestData.Pattern(200_000), null, T0));

        var entity = (await state.GetEntityAsync<TableEntity>(store.BucketOf("site/7#a"), "site%2F7%23a")).Value;
        Assert.Matches("^b[0-9a-f]{3}$", entity.PartitionKey);
        Assert.Equal(4, entity.GetInt32("SChunks"));
        Assert.Equal(200_000, entity.GetInt32("SLength"));
        Assert.Equal(65_536, entity.GetBinary("S0").Length);
        Assert.Equal(200_000 - (3 * 65_536), entity.GetBinary("S3").Length);
        Assert.Equal(T0.UtcTicks, entity.GetInt64("DeadlineTicks"));
    }

    [AzuriteFact]
    public async Task A_snapshot_larger_than_one_entity_is_rejected_before_anything_is_written()
    {
        var (store, state, requests) = await CreateAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveManyAsync(
        [
            new StateWrite("small", new byte[] { 1 }, null, T0),
            new StateWrite("big", new byte[(15 * 65_536) + 1], null, T0),
        ]));

        Assert.Equal(0, requests.Count);
        Assert.Empty(await RowsAsync(state));
    }

    [AzuriteFact]
    public async Task Keys_of_one_bucket_are_written_100_per_request_and_loaded_14_per_request()
    {
        var (store, _, requests) = await CreateAsync(buckets: 1);
        var keys = Enumerable.Range(0, 250).Select(i => $"dev-{i:D3}").ToArray();

        var saved = await store.SaveManyAsync(keys.Select(k => new StateWrite(k, new byte[] { 7 }, null, T0)).ToList());
        var writes = requests.Count;
        requests.Count = 0;
        var loaded = await store.LoadAsync(keys);

        Assert.All(saved, r => Assert.False(r.Conflicted));
        Assert.Equal(3, writes);                        // 100 + 100 + 50 in entity group transactions
        Assert.Equal(250, loaded.Count);
        Assert.Equal((250 + 13) / 14, requests.Count);  // 18 queries of up to 14 RowKeys
    }

    [AzuriteFact]
    public async Task A_conflict_inside_a_transaction_refuses_that_key_and_still_writes_the_others()
    {
        var (store, _, requests) = await CreateAsync(buckets: 1);
        var first = await store.SaveManyAsync([.. Enumerable.Range(0, 5).Select(i => new StateWrite($"k{i}", new byte[] { 1 }, null, null))]);
        await store.SaveAsync(new StateWrite("k2", new byte[] { 2 }, first[2].ETag, null));
        requests.Count = 0;

        var second = await store.SaveManyAsync([.. Enumerable.Range(0, 5).Select(i => new StateWrite($"k{i}", new byte[] { 3 }, first[i].ETag, T0))]);

        Assert.Equal([false, false, true, false, false], second.Select(r => r.Conflicted));
        Assert.Equal(2, requests.Count); // the failed transaction, then the other four together
        var loaded = await store.LoadAsync(["k0", "k1", "k2", "k3", "k4"]);
        Assert.Equal([3, 3, 2, 3, 3], loaded.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (int)p.Value.Snapshot.Span[0]));
        Assert.Equal(["k0", "k1", "k3", "k4"], await store.GetDueKeysAsync(T0, 10));
    }

    [AzuriteFact]
    public async Task The_sweep_reads_one_query_per_bucket_and_no_state()
    {
        var (store, _, requests) = await CreateAsync(buckets: 4);
        await store.SaveManyAsync([.. Enumerable.Range(0, 40).Select(i => new StateWrite($"k{i:D2}", TestData.Pattern(5_000), null, i < 3 ? T0 : T0.AddHours(1)))]);
        requests.Count = 0;

        var due = await store.GetDueKeysAsync(T0.AddMinutes(1), 100);

        Assert.Equal(["k00", "k01", "k02"], due);
        Assert.Equal(4, requests.Count);
    }

    [AzuriteFact]
    public async Task Rows_of_the_earlier_layout_are_ignored()
    {
        var (store, state, _) = await CreateAsync(buckets: 1);

        // The earlier layout: PartitionKey = the key, empty RowKey; even a key named like a bucket is not read.
        var legacy = new TableEntity("b000", string.Empty) { ["SChunks"] = 0, ["SLength"] = 0, ["DeadlineTicks"] = T0.UtcTicks };
        await state.AddEntityAsync(legacy);

        Assert.Empty(await store.GetDueKeysAsync(T0.AddDays(1), 10));
        Assert.Empty(await store.LoadAsync(["b000"]));
    }

    private sealed class RequestCount : HttpPipelineSynchronousPolicy
    {
        private int _count;

        public int Count
        {
            get => Volatile.Read(ref _count);
            set => Volatile.Write(ref _count, value);
        }

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _count);
    }
}
