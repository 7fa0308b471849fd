using System.Text;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.Observability;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Core.Tests.Support;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Observability;

/// <summary>Health rules over the processor's own metrics, on a timeline of processing time.</summary>
public sealed class HealthMonitorTests
{
    private static readonly RuleSet Hot = Set(Threshold("hot", "temperature", "> 80"));

    /// <summary>A store that fails every call while <see cref="Broken"/>.</summary>
    private sealed class SwitchableStore : IStateStore
    {
        private readonly MemoryStateStore _inner = new();

        public bool Broken { get; set; }

        public Task<IReadOnlyDictionary<string, StoredState>> LoadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default) =>
            Broken ? throw new IOException("storage unavailable") : _inner.LoadAsync(keys, cancellationToken);

        public Task<string> SaveAsync(StateWrite write, CancellationToken cancellationToken = default) =>
            Broken ? throw new IOException("storage unavailable") : _inner.SaveAsync(write, cancellationToken);

        public Task<IReadOnlyList<string>> GetDueKeysAsync(DateTimeOffset asOf, int maxKeys, CancellationToken cancellationToken = default) =>
            Broken ? throw new IOException("storage unavailable") : _inner.GetDueKeysAsync(asOf, maxKeys, cancellationToken);
    }

    /// <summary>A sink that refuses while <see cref="Down"/>.</summary>
    private sealed class SwitchableSink : IAlertSink
    {
        public bool Down { get; set; }

        public List<AlertEvent> Published { get; } = [];

        public Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
        {
            if (Down)
            {
                throw new InvalidOperationException("topic unreachable");
            }

            Published.AddRange(alerts);
            return Task.CompletedTask;
        }
    }

    private long _sequence;

    /// <summary><paramref name="good"/> readings and <paramref name="bad"/> bodies that are not JSON, enqueued at <paramref name="enqueued"/>.</summary>
    private List<RawEvent> Batch(int good, int bad, DateTimeOffset enqueued)
    {
        var batch = new List<RawEvent>();
        for (var i = 0; i < good + bad; i++)
        {
            var body = i < good ? $$"""{"deviceId":"d{{i % 5}}","ts":"{{enqueued:O}}","temperature":20}""" : "{not json";
            batch.Add(new RawEvent(Encoding.UTF8.GetBytes(body), new SourcePosition("0", ++_sequence, enqueued)));
        }

        return batch;
    }

    private static string Line(AlertEvent a) =>
        $"{(a.Time - Timeline.T0).TotalSeconds:0}s {a.Type} {a.Data.RuleId} {a.Data.Value:0.##}";

    [Fact]
    public async Task Health_alerts_fire_and_resolve_on_a_timeline_and_wait_out_a_sink_outage()
    {
        var time = new FakeTimeProvider(Timeline.T0);
        using var telemetry = new PipelineTelemetry(time, "Pipeline.Test." + Guid.NewGuid().ToString("N"));
        var store = new SwitchableStore();
        var sink = new SwitchableSink();
        using var processor = new PartitionProcessor(Hot, store, new MemoryAlertSink(), new MemoryDeadLetterStore(), new ProcessorOptions { Telemetry = telemetry });
        var health = new HealthMonitor(telemetry, sink, new HealthOptions { Environment = "test" });
        var delivered = new List<string>();

        async Task At(double seconds, Func<DateTimeOffset, Task>? work = null)
        {
            time.SetUtcNow(Timeline.At(seconds));
            if (work is not null)
            {
                await work(time.GetUtcNow());
            }

            delivered.AddRange((await health.EvaluateAsync(time.GetUtcNow())).Select(Line));
        }

        await At(0);                                                                       // the first window starts
        await At(10, now => processor.ProcessAsync(Batch(good: 40, bad: 60, now), now));  // 60 of 100 dead-lettered
        await At(60);                                                                      // window [0, 60): ratio 0.6 > 0.5
        await At(70, now => processor.ProcessAsync(Batch(good: 100, bad: 0, now), now));  // all good
        await At(120);                                                                     // window [60, 120): ratio 0
        await At(130, async now =>
        {
            store.Broken = true;
            await Assert.ThrowsAsync<IOException>(() => processor.ProcessAsync(Batch(good: 1, bad: 0, now), now));
            store.Broken = false;
        });
        sink.Down = true;
        await At(180);                                                                     // one store failure: fires, but the sink is down
        await At(200, now => processor.ProcessAsync(Batch(good: 10, bad: 10, now), now)); // too few events for a ratio
        sink.Down = false;
        await At(240);                                                                     // no failure since 180: resolves; both go out
        await At(300, now => processor.ProcessAsync(Batch(good: 10, bad: 0, now.AddMinutes(-6)), now)); // enqueued 6 minutes ago, in the window closing now
        await At(360);                                                                     // nothing processed since: the lag rule resolves

        Assert.Equal(
        [
            "60s Pipeline.Health.Fired dead-letter-ratio 0.6",      // 60 of 100
            "120s Pipeline.Health.Resolved dead-letter-ratio 0",
            "180s Pipeline.Health.Fired state-store-failures 1",    // delivered at 240, after the outage
            "240s Pipeline.Health.Resolved state-store-failures 0", // the window from 180 had no failure (and 20 events: the ratio held)
            "300s Pipeline.Health.Fired enqueued-lag 360",          // 360 s > 300 s
            "360s Pipeline.Health.Resolved enqueued-lag 0",
        ], delivered);
        Assert.Equal(delivered, sink.Published.Select(Line));

        var fired = sink.Published[0];
        Assert.Equal("/pipeline/test/health/dead-letter-ratio", fired.Source);
        Assert.Equal(fired.Data.EpisodeId, sink.Published[1].Data.EpisodeId); // fired and resolved are one episode
        Assert.Equal(Timeline.At(120), sink.Published[1].Data.EndsAt);
        Assert.Equal(
        [
            "dead-letter-ratio False", "enqueued-lag False", "outbox-waiting False", "state-store-failures False",
        ], health.Status.Select(s => $"{s.RuleId} {s.Firing}"));
    }
}
