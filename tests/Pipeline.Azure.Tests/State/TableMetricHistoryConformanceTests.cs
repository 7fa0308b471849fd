using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.State;

namespace Pipeline.Azure.Tests.State;

/// <summary>The contract read from the instance that recorded (its memory overlaid on the table).</summary>
[Collection(AzuriteTests.Name)]
[SkipWhenEnvironment(AzuriteFixture.SkipVariable, "1", "PIPELINE_SKIP_AZURITE=1")]
public sealed class TableMetricHistoryConformanceTests(AzuriteFixture azurite) : MetricHistoryConformance
{
    protected override async Task<IMetricHistory> CreateAsync(MetricHistoryOptions options)
    {
        var history = new TableMetricHistory(azurite.CreateTableServiceClient(), TableMetricHistoryTests.Options(options));
        await history.EnsureCreatedAsync();
        return history;
    }

    protected override async Task SettleAsync(IMetricHistory written) => Assert.Equal(0, (await ((TableMetricHistory)written).FlushAsync()).Remaining);
}

/// <summary>
/// The contract read through the table only: the recording instance flushes, and a new instance over the same table
/// (another instance of the app, or this one after a restart) answers.
/// </summary>
[Collection(AzuriteTests.Name)]
[SkipWhenEnvironment(AzuriteFixture.SkipVariable, "1", "PIPELINE_SKIP_AZURITE=1")]
public sealed class TableMetricHistoryReadBackConformanceTests(AzuriteFixture azurite) : MetricHistoryConformance
{
    protected override async Task<IMetricHistory> CreateAsync(MetricHistoryOptions options)
    {
        var history = new TableMetricHistory(azurite.CreateTableServiceClient(), TableMetricHistoryTests.Options(options));
        await history.EnsureCreatedAsync();
        return history;
    }

    protected override async Task<IMetricHistory> ReaderAsync(IMetricHistory written)
    {
        var table = (TableMetricHistory)written;
        var flushed = await table.FlushAsync();
        Assert.Equal(0, flushed.Remaining);
        return new TableMetricHistory(azurite.CreateTableServiceClient(), table.Options);
    }

    protected override async Task SettleAsync(IMetricHistory written) => Assert.Equal(0, (await ((TableMetricHistory)written).FlushAsync()).Remaining);
}
