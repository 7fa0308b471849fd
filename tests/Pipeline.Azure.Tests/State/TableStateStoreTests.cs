using Azure.Data.Tables;
using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.State;

namespace Pipeline.Azure.Tests.State;

[Collection(AzuriteTests.Name)]
[SkipWhenEnvironment(AzuriteFixture.SkipVariable, "1", "PIPELINE_SKIP_AZURITE=1")]
public sealed class TableStateStoreConformanceTests(AzuriteFixture azurite) : StateStoreConformance
{
    protected override async Task<IStateStore> CreateStoreAsync()
    {
        var store = new TableStateStore(azurite.CreateTableServiceClient(), TestData.UniqueName("state"), TestData.UniqueName("deadlines"));
        await store.EnsureCreatedAsync();
        return store;
    }
}

[Collection(AzuriteTests.Name)]
public sealed class TableStateStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = TestData.T0;

    private async Task<(TableStateStore Store, TableClient Deadlines, TableClient State, Func<TableStateStore> Another)> CreateAsync()
    {
        var service = azurite.CreateTableServiceClient();
        var stateTable = TestData.UniqueName("state");
        var deadlinesTable = TestData.UniqueName("deadlines");
        var store = new TableStateStore(service, stateTable, deadlinesTable);
        await store.EnsureCreatedAsync();
        return (store, service.GetTableClient(deadlinesTable), service.GetTableClient(stateTable), () => new TableStateStore(service, stateTable, deadlinesTable));
    }

    private static async Task<List<(string Bucket, string Row)>> IndexRowsAsync(TableClient deadlines)
    {
        var rows = new List<(string, string)>();
        await foreach (var row in deadlines.QueryAsync<TableEntity>())
        {
            rows.Add((row.PartitionKey, row.RowKey));
        }

        return rows;
    }

    [AzuriteFact]
    public async Task A_snapshot_is_split_into_64_KiB_chunks_under_an_escaped_partition_key()
    {
        var (store, _, state, _) = await CreateAsync();

        await store.SaveAsync(new StateWrite("site/7#a", TestData.Pattern(200_000), null, null));

        var entity = (await state.GetEntityAsync<TableEntity>("site%2F7%23a", string.Empty)).Value;
        Assert.Equal(4, entity.GetInt32("SChunks"));
        Assert.Equal(200_000, entity.GetInt32("SLength"));
        Assert.Equal(65_536, entity.GetBinary("S0").Length);
        Assert.Equal(200_000 - (3 * 65_536), entity.GetBinary("S3").Length);
    }

    [AzuriteFact]
    public async Task A_snapshot_larger_than_one_entity_is_rejected_before_anything_is_written()
    {
        var (store, deadlines, _, _) = await CreateAsync();

        await Assert.ThrowsAsync<ArgumentException>(
            () => store.SaveAsync(new StateWrite("big", new byte[(15 * 65_536) + 1], null, T0)));

        Assert.Empty(await store.LoadAsync(["big"]));
        Assert.Empty(await IndexRowsAsync(deadlines));
    }

    [AzuriteFact]
    public async Task The_index_row_lives_in_the_minute_bucket_and_stale_rows_are_removed_when_their_bucket_is_read()
    {
        var (store, deadlines, _, _) = await CreateAsync();
        var etag = await store.SaveAsync(new StateWrite("k/1", new byte[] { 1 }, null, T0.AddMinutes(1).AddSeconds(5)));
        Assert.Equal([("202503011201", "k%2F1")], await IndexRowsAsync(deadlines));

        // Moving within the minute keeps the row; moving to another minute adds one and leaves the old one to the reader.
        etag = await store.SaveAsync(new StateWrite("k/1", new byte[] { 2 }, etag, T0.AddMinutes(1).AddSeconds(50)));
        await store.SaveAsync(new StateWrite("k/1", new byte[] { 3 }, etag, T0.AddMinutes(7)));
        Assert.Equal([("202503011201", "k%2F1"), ("202503011207", "k%2F1")], (await IndexRowsAsync(deadlines)).Order().ToList());

        Assert.Empty(await store.GetDueKeysAsync(T0.AddMinutes(2), 10));

        Assert.Equal([("202503011207", "k%2F1")], await IndexRowsAsync(deadlines));
        Assert.Equal(["k/1"], await store.GetDueKeysAsync(T0.AddMinutes(7), 10));
    }

    [AzuriteFact]
    public async Task Two_store_instances_over_the_same_tables_agree()
    {
        var (first, _, _, another) = await CreateAsync();
        var second = another();
        var etag = await first.SaveAsync(new StateWrite("shared", new byte[] { 1 }, null, T0.AddMinutes(1)));
        var loadedBySecond = await second.LoadAsync(["shared"]);

        // The second instance moves the deadline; the first still holds the old ETag and must be refused.
        var newEtag = await second.SaveAsync(new StateWrite("shared", new byte[] { 2 }, loadedBySecond["shared"].ETag, T0.AddHours(2)));
        await Assert.ThrowsAsync<StateConflictException>(
            () => first.SaveAsync(new StateWrite("shared", new byte[] { 3 }, etag, T0.AddMinutes(1))));

        Assert.Empty(await first.GetDueKeysAsync(T0.AddMinutes(30), 10));
        Assert.Equal(["shared"], await first.GetDueKeysAsync(T0.AddHours(2), 10));
        var reloaded = await first.LoadAsync(["shared"]);
        Assert.Equal(newEtag, reloaded["shared"].ETag);
        Assert.Equal(new byte[] { 2 }, reloaded["shared"].Snapshot.ToArray());

        // With the fresh ETag the first instance writes again and its index update is seen by the second.
        await first.SaveAsync(new StateWrite("shared", new byte[] { 4 }, newEtag, T0.AddMinutes(3)));
        Assert.Equal(["shared"], await second.GetDueKeysAsync(T0.AddMinutes(3), 10));
    }

    [AzuriteFact]
    public async Task Loading_many_keys_reads_them_all()
    {
        var (store, _, _, _) = await CreateAsync();
        var keys = Enumerable.Range(0, 60).Select(i => $"device-{i:D3}").ToArray();
        await Task.WhenAll(keys.Select(k => store.SaveAsync(new StateWrite(k, new byte[] { (byte)k[^1] }, null, null))));

        var loaded = await store.LoadAsync([.. keys, "device-999"]);

        Assert.Equal(60, loaded.Count);
        Assert.Equal(new byte[] { (byte)'7' }, loaded["device-047"].Snapshot.ToArray());
    }
}
