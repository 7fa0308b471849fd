using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.Rules;

namespace Pipeline.Azure.Tests.Rules;

[Collection(AzuriteTests.Name)]
[SkipWhenEnvironment(AzuriteFixture.SkipVariable, "1", "PIPELINE_SKIP_AZURITE=1")]
public sealed class BlobRuleStoreConformanceTests(AzuriteFixture azurite) : RuleStoreConformance
{
    protected override async Task<IRuleStore> CreateStoreAsync()
    {
        // Container names must be lower case.
        var store = BlobRuleStore.Create(azurite.CreateBlobServiceClient(), TestData.UniqueName("rules"));
        await store.EnsureCreatedAsync();
        return store;
    }
}
