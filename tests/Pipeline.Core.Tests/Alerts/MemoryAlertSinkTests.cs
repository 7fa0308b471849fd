using Pipeline.Conformance;
using Pipeline.Core.Alerts;
using static Pipeline.Conformance.AlertSamples;

namespace Pipeline.Core.Tests.Alerts;

public sealed class MemoryAlertSinkConformanceTests : AlertSinkConformance
{
    protected override Task<SinkUnderTest> CreateSinkAsync()
    {
        var sink = new MemoryAlertSink();
        return Task.FromResult(new SinkUnderTest(sink, () => Task.FromResult(sink.Published)));
    }
}

public sealed class MemoryAlertSinkTests
{
    [Fact]
    public async Task Published_is_a_snapshot_that_later_publishes_do_not_change()
    {
        var sink = new MemoryAlertSink();
        await sink.PublishAsync([Alert("a1", "ep", AlertTransitionKind.Fired, 1, TestData.T0)]);

        var before = sink.Published;
        await sink.PublishAsync([Alert("a2", "ep", AlertTransitionKind.Resolved, 2, TestData.T0.AddMinutes(1))]);

        Assert.Equal(["a1"], before.Select(a => a.Id));
        Assert.Equal(["a1", "a2"], sink.Published.Select(a => a.Id));
    }

    [Fact]
    public async Task Concurrent_publishers_lose_nothing_and_keep_each_batch_contiguous()
    {
        var sink = new MemoryAlertSink();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(p => Task.Run(async () =>
        {
            for (var batch = 0; batch < 20; batch++)
            {
                await sink.PublishAsync(
                [
                    Alert($"p{p}-b{batch}-0", $"ep-{p}", AlertTransitionKind.Fired, 1, TestData.T0),
                    Alert($"p{p}-b{batch}-1", $"ep-{p}", AlertTransitionKind.Resolved, 2, TestData.T0),
                ]);
            }
        })));

        var published = sink.Published;
        Assert.Equal(320, published.Count);
        for (var i = 0; i < published.Count; i += 2)
        {
            Assert.EndsWith("-0", published[i].Id, StringComparison.Ordinal);
            Assert.Equal(published[i].Id[..^2] + "-1", published[i + 1].Id);
        }
    }
}
