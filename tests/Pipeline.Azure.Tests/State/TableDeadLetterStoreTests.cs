using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Azure.Tests.State;

[Collection(AzuriteTests.Name)]
[SkipWhenEnvironment(AzuriteFixture.SkipVariable, "1", "PIPELINE_SKIP_AZURITE=1")]
public sealed class TableDeadLetterStoreConformanceTests(AzuriteFixture azurite) : DeadLetterStoreConformance
{
    protected override async Task<IDeadLetterStore> CreateStoreAsync()
    {
        var store = new TableDeadLetterStore(azurite.CreateTableServiceClient(), TestData.UniqueName("deadletters"));
        await store.EnsureCreatedAsync();
        return store;
    }
}

[Collection(AzuriteTests.Name)]
public sealed class TableDeadLetterStoreTests(AzuriteFixture azurite)
{
    [AzuriteFact]
    public async Task A_body_larger_than_an_entity_is_kept_truncated_and_says_so()
    {
        var store = new TableDeadLetterStore(azurite.CreateTableServiceClient(), TestData.UniqueName("deadletters"));
        await store.EnsureCreatedAsync();
        var body = TestData.Pattern(1_000_000);

        await store.AddAsync([new DeadLetter("huge", body, new SourcePosition("0", 1, TestData.T0), DeadLetterReason.Malformed, "TooLarge", TestData.T0)]);

        var found = Assert.Single(await store.QueryAsync(TestData.T0, TestData.T0.AddSeconds(1), 10));
        Assert.Equal(917_504, found.Body.Length);
        Assert.Equal(TestData.Pattern(1_000_000)[..917_504], found.Body.ToArray());
        Assert.Equal("TooLarge [body truncated from 1000000 to 917504 bytes]", found.Detail);
    }
}
