using System.Globalization;
using System.Net;
using Pipeline.Azure;
using Pipeline.Azure.Tests.Testing;

namespace Pipeline.Functions.Tests.Contract;

/// <summary>The two-instance race of <see cref="RaceTests"/> over Table storage (Azurite): real ETags, real conflicts.</summary>
[Collection(AzuriteTests.Name)]
public sealed class AzuriteRaceTests(AzuriteFixture azurite)
{
    private async Task<ConflictCountingStateStore> CreateStoreAsync()
    {
        // Fresh tables per test: Azurite is shared by the collection.
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var store = new TableStateStore(azurite.CreateTableServiceClient(), "state" + suffix);
        await store.EnsureCreatedAsync();
        return new ConflictCountingStateStore(store);
    }

    private static async Task<HttpStatusCode> IngestAsync(TestHandler handler, string payload)
    {
        using var response = await handler.InvokeAsync("Ingest", payload);
        return response.StatusCode;
    }

    [AzuriteFact]
    public async Task A_stale_instance_hits_a_table_etag_conflict_and_keeps_both_writes()
    {
        var store = await CreateStoreAsync();
        await using var a = await TestHandler.StartAsync(state: store);
        await using var b = await TestHandler.StartAsync(state: store);

        Assert.Equal(HttpStatusCode.OK, await IngestAsync(a, RaceTests.OneEvent("0", 1, "temperature", 70)));
        Assert.Equal(HttpStatusCode.OK, await IngestAsync(b, RaceTests.OneEvent("1", 1, "humidity", 40)));
        Assert.Equal(HttpStatusCode.OK, await IngestAsync(a, RaceTests.OneEvent("0", 2, "pressure", 3)));

        Assert.Equal(1, store.Conflicts);
        await using var reader = await TestHandler.StartAsync(state: store);
        Assert.Equal(new Dictionary<string, double> { ["temperature"] = 70, ["humidity"] = 40, ["pressure"] = 3 }, await RaceTests.LastValuesAsync(reader));
    }

    [AzuriteFact]
    public async Task Two_instances_racing_on_one_key_in_table_storage_lose_nothing()
    {
        var store = await CreateStoreAsync();
        await using var a = await TestHandler.StartAsync(state: store);
        await using var b = await TestHandler.StartAsync(state: store);
        const int perInstance = 15;

        async Task RunAsync(TestHandler handler, string partition, string prefix, double offset)
        {
            for (var i = 1; i <= perInstance; i++)
            {
                Assert.Equal(HttpStatusCode.OK, await IngestAsync(handler, RaceTests.OneEvent(partition, i, prefix + i.ToString(CultureInfo.InvariantCulture), offset + i)));
            }
        }

        await Task.WhenAll(RunAsync(a, "0", "a", 0), RunAsync(b, "1", "b", 100));

        var expected = new Dictionary<string, double>();
        for (var i = 1; i <= perInstance; i++)
        {
            expected["a" + i.ToString(CultureInfo.InvariantCulture)] = i;
            expected["b" + i.ToString(CultureInfo.InvariantCulture)] = 100 + i;
        }

        await using var reader = await TestHandler.StartAsync(state: store);
        Assert.Equal(expected, await RaceTests.LastValuesAsync(reader));
    }
}
