using Pipeline.Core.Alerts;
using Pipeline.Local;
using static Pipeline.Local.Tests.Samples;

namespace Pipeline.Local.Tests;

public sealed class FanOutAlertSinkTests
{
    [Fact]
    public async Task Every_sink_gets_every_batch()
    {
        var a = new RecordingSink(failures: 0);
        var b = new RecordingSink(failures: 0);
        var sink = new FanOutAlertSink(a, b);

        await sink.PublishAsync([Alert("x1"), Alert("x2")]);

        Assert.Equal(["x1", "x2"], a.Ids);
        Assert.Equal(["x1", "x2"], b.Ids);
    }

    [Fact]
    public async Task A_failing_sink_fails_the_call_and_the_retry_reaches_only_the_sinks_that_missed_it()
    {
        var healthy = new RecordingSink(failures: 0);
        var flaky = new RecordingSink(failures: 1);
        var sink = new FanOutAlertSink(healthy, flaky);

        var error = await Assert.ThrowsAsync<AggregateException>(() => sink.PublishAsync([Alert("x1"), Alert("x2")]));
        Assert.StartsWith("1 of 2 alert sinks failed: receiver down", error.Message, StringComparison.Ordinal);

        // The processor offers the outbox again, plus a new alert.
        await sink.PublishAsync([Alert("x1"), Alert("x2"), Alert("x3")]);

        Assert.Equal(["x1", "x2", "x3"], healthy.Ids);
        Assert.Equal(["x1", "x2", "x3"], flaky.Ids);

        // Once both have an alert it is forgotten: a later (stale) redelivery goes to both again.
        await sink.PublishAsync([Alert("x1")]);
        Assert.Equal(["x1", "x2", "x3", "x1"], healthy.Ids);
    }

    private sealed class RecordingSink(int failures) : IAlertSink
    {
        private int _failuresLeft = failures;

        public List<string> Ids { get; } = [];

        public Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
        {
            if (_failuresLeft > 0)
            {
                _failuresLeft--;
                throw new HttpRequestException("receiver down");
            }

            Ids.AddRange(alerts.Select(a => a.Id));
            return Task.CompletedTask;
        }
    }
}
