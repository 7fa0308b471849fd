using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.Alerts;

namespace Pipeline.Azure.Tests.Alerts;

[Collection(AzuriteTests.Name)]
[SkipWhenEnvironment(AzuriteFixture.SkipVariable, "1", "PIPELINE_SKIP_AZURITE=1")]
public sealed class TableAlertHistoryConformanceTests(AzuriteFixture azurite) : AlertHistoryConformance
{
    protected override async Task<IAlertHistory> CreateHistoryAsync()
    {
        var history = new TableAlertHistory(azurite.CreateTableServiceClient(), TestData.UniqueName("alerts"), TestData.UniqueName("episodes"));
        await history.EnsureCreatedAsync();
        return history;
    }
}
