using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
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

[Collection(AzuriteTests.Name)]
[SkipWhenEnvironment(AzuriteFixture.SkipVariable, "1", "PIPELINE_SKIP_AZURITE=1")]
public sealed class TableAlertHistoryBatchingTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = TestData.T0;

    [Fact]
    public async Task A_burst_of_alerts_costs_a_few_requests_not_several_per_alert()
    {
        var counter = new RequestCounter();
        var options = new TableClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        var history = new TableAlertHistory(new TableServiceClient(azurite.ConnectionString, options), TestData.UniqueName("alerts"), TestData.UniqueName("episodes"));
        await history.EnsureCreatedAsync();

        // 26 devices fire at once, one batch later 13 of them resolve.
        var fired = Enumerable.Range(0, 26).Select(i => AlertSamples.Alert($"f{i}", $"ep-{i}", AlertTransitionKind.Fired, 1, T0, key: $"pump-{i}")).ToList();
        var resolved = Enumerable.Range(0, 13).Select(i => AlertSamples.Alert($"r{i}", $"ep-{i}", AlertTransitionKind.Resolved, 2, T0.AddMinutes(2), key: $"pump-{i}")).ToList();
        counter.Requests = 0;
        await history.RecordAsync(fired);
        var forFired = counter.Requests;
        counter.Requests = 0;
        await history.RecordAsync(resolved);
        var forResolved = counter.Requests;

        // Fired: 1 transaction for the day's transitions, 2 queries for 26 episodes (13 per query), 1 transaction for
        // the open rows, 2 queries for tombstones written meanwhile: 6 (one by one it was 4 per alert, 104).
        Assert.InRange(forFired, 1, 6);

        // Resolved: 1 transitions transaction, 1 query, 1 tombstone transaction, 1 transaction deleting the open rows:
        // 4 (one by one it was 6 per alert, 78).
        Assert.InRange(forResolved, 1, 4);
        var firing = await history.QueryAsync(new AlertQuery(true, null));
        Assert.Equal(Enumerable.Range(13, 13).Select(i => $"f{i}").Order(StringComparer.Ordinal), firing.Select(a => a.Id).Order(StringComparer.Ordinal));
        Assert.Equal(39, (await history.QueryAsync(new AlertQuery(false, null))).Count);
    }

    private sealed class RequestCounter : HttpPipelineSynchronousPolicy
    {
        public int Requests { get; set; }

        public override void OnSendingRequest(HttpMessage message) => Requests++;
    }
}
