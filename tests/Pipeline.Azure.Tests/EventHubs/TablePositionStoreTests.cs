using Pipeline.Azure.EventHubs;
using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;

namespace Pipeline.Azure.Tests.EventHubs;

[Collection(AzuriteTests.Name)]
public sealed class TablePositionStoreTests(AzuriteFixture azurite)
{
    [AzuriteFact]
    public async Task Positions_survive_a_new_store_on_the_same_table_per_stream_and_partition()
    {
        var table = TestData.UniqueName("positions");
        var first = new TablePositionStore(azurite.CreateTableServiceClient(), table);
        await first.SaveAsync("ns/telemetry/local", "0", 10);
        await first.SaveAsync("ns/telemetry/local", "0", 12); // a later batch moves the position on
        await first.SaveAsync("ns/telemetry/local", "1", 3);
        await first.SaveAsync("ns/telemetry/other", "0", 99); // another consumer group keeps its own

        var restarted = new TablePositionStore(azurite.CreateTableServiceClient(), table);
        var positions = await restarted.LoadAsync("ns/telemetry/local");

        Assert.Equal(new Dictionary<string, long> { ["0"] = 12, ["1"] = 3 }, positions);
    }

    [AzuriteFact]
    public async Task A_stream_never_saved_has_no_positions()
    {
        var store = new TablePositionStore(azurite.CreateTableServiceClient(), TestData.UniqueName("positions"));

        Assert.Empty(await store.LoadAsync("ns/telemetry/local"));
    }
}
