using Azure.Storage.Blobs;
using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.Alerts.Silences;

namespace Pipeline.Azure.Tests.Rules;

[Collection(AzuriteTests.Name)]
[SkipWhenEnvironment(AzuriteFixture.SkipVariable, "1", "PIPELINE_SKIP_AZURITE=1")]
public sealed class BlobSilenceStoreConformanceTests(AzuriteFixture azurite) : SilenceStoreConformance
{
    private readonly Dictionary<ISilenceStore, string> _containers = [];

    protected override async Task<ISilenceStore> CreateStoreAsync()
    {
        // Container names must be lower case.
        var container = TestData.UniqueName("silences");
        var store = BlobSilenceStore.Create(azurite.CreateBlobServiceClient(), container);
        await store.EnsureCreatedAsync();
        _containers[store] = container;
        return store;
    }

    protected override Task<ISilenceStore> OpenSameAsync(ISilenceStore store) =>
        Task.FromResult<ISilenceStore>(BlobSilenceStore.Create(azurite.CreateBlobServiceClient(), _containers[store]));
}
