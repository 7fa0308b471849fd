using Pipeline.Core.Alerts;
using static Pipeline.Conformance.AlertSamples;

namespace Pipeline.Conformance;

/// <summary>A sink and a way to read what reached the other side of it.</summary>
public sealed record SinkUnderTest(IAlertSink Sink, Func<Task<IReadOnlyList<AlertEvent>>> ReadDeliveredAsync);

/// <summary>The <see cref="IAlertSink"/> contract: everything published arrives, in order, intact. Derive once per implementation.</summary>
public abstract class AlertSinkConformance
{
    private static readonly DateTimeOffset T0 = TestData.T0;

    /// <summary>A new sink with nothing delivered yet.</summary>
    protected abstract Task<SinkUnderTest> CreateSinkAsync();

    [ConformanceFact]
    public async Task Published_alerts_arrive_in_order_and_intact()
    {
        var target = await CreateSinkAsync();
        AlertEvent[] alerts =
        [
            Alert("a1", "ep-a", AlertTransitionKind.Fired, 1, T0, value: 81.25),
            Alert("b1", "ep-b", AlertTransitionKind.Fired, 1, T0.AddSeconds(1), key: "pump/2 ключ"),
            Alert("a2", "ep-a", AlertTransitionKind.Resolved, 2, T0.AddMinutes(3).AddTicks(1), value: null),
        ];

        await target.Sink.PublishAsync(alerts);
        var delivered = await target.ReadDeliveredAsync();

        Assert.Equal(["a1", "b1", "a2"], delivered.Select(a => a.Id));
        Assert.Equal(81.25, delivered[0].Data.Value);
        Assert.Equal("pump/2 ключ", delivered[1].Data.Key);
        Assert.Equal("devices/pump/2 ключ/rules/overheat", delivered[1].Subject);
        Assert.Null(delivered[2].Data.Value);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 12, 3, 0, TimeSpan.Zero).AddTicks(1), delivered[2].Time);
        Assert.Equal(AlertTransitionKind.Resolved, delivered[2].Kind);
        for (var i = 0; i < alerts.Length; i++)
        {
            Assert.Equal(alerts[i].ToJson(), delivered[i].ToJson());
        }
    }

    [ConformanceFact]
    public async Task Publishing_nothing_delivers_nothing()
    {
        var target = await CreateSinkAsync();

        await target.Sink.PublishAsync([]);

        Assert.Empty(await target.ReadDeliveredAsync());
    }

    [ConformanceFact]
    public async Task Successive_publishes_arrive_in_call_order()
    {
        var target = await CreateSinkAsync();

        await target.Sink.PublishAsync([Alert("x1", "ep-x", AlertTransitionKind.Fired, 1, T0)]);
        await target.Sink.PublishAsync([Alert("x2", "ep-x", AlertTransitionKind.Escalated, 2, T0.AddMinutes(1)), Alert("x3", "ep-x", AlertTransitionKind.Resolved, 3, T0.AddMinutes(2))]);

        Assert.Equal(["x1", "x2", "x3"], (await target.ReadDeliveredAsync()).Select(a => a.Id));
    }
}
