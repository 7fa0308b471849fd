using System.Diagnostics;
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

/// <summary>
/// The instruments of docs/observability.md over a scripted batch sequence: dead letters, a duplicate, a sink outage,
/// an ETag conflict, a store failure and a rule change. The store advances a fake clock by 5 ms per call, so every
/// duration is a known multiple of 5 ms.
/// </summary>
public sealed class PipelineTelemetryTests
{
    private static readonly RuleSet Hot = Set(Threshold("hot", "temperature", "> 80"));

    private static RawEvent Reading(string device, double seconds, double temperature, long sequence, double enqueuedSeconds) =>
        new(Encoding.UTF8.GetBytes($$"""{"deviceId":"{{device}}","ts":"{{Timeline.At(seconds):O}}","temperature":{{temperature}}}"""),
            new SourcePosition("0", sequence, Timeline.At(enqueuedSeconds)));

    private static RawEvent Garbage(long sequence, double enqueuedSeconds) =>
        new(Encoding.UTF8.GetBytes("{not json"), new SourcePosition("0", sequence, Timeline.At(enqueuedSeconds)));

    /// <summary>A store whose every call takes 5 ms of the fake clock; <see cref="Broken"/> makes calls throw.</summary>
    private sealed class TimedStore(IStateStore inner, FakeTimeProvider time) : IStateStore
    {
        public bool Broken { get; set; }

        public Task<IReadOnlyDictionary<string, StoredState>> LoadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default)
        {
            Tick();
            return inner.LoadAsync(keys, cancellationToken);
        }

        public Task<string> SaveAsync(StateWrite write, CancellationToken cancellationToken = default)
        {
            Tick();
            return inner.SaveAsync(write, cancellationToken);
        }

        public Task<IReadOnlyList<StateSaveResult>> SaveManyAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken = default)
        {
            Tick();
            return inner.SaveManyAsync(writes, cancellationToken);
        }

        public Task<IReadOnlyList<string>> GetDueKeysAsync(DateTimeOffset asOf, int maxKeys, CancellationToken cancellationToken = default)
        {
            Tick();
            return inner.GetDueKeysAsync(asOf, maxKeys, cancellationToken);
        }

        private void Tick()
        {
            time.Advance(TimeSpan.FromMilliseconds(5));
            if (Broken)
            {
                throw new IOException("storage unavailable");
            }
        }
    }

    /// <summary>A sink that refuses while <see cref="Down"/>, like an unreachable Event Grid topic.</summary>
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

    [Fact]
    public async Task Every_instrument_records_the_expected_values_for_a_scripted_batch_sequence()
    {
        var time = new FakeTimeProvider(Timeline.T0);
        using var telemetry = new PipelineTelemetry(time, "Pipeline.Test." + Guid.NewGuid().ToString("N"));
        using var recorder = new MeasurementRecorder(telemetry.Meter);
        var memory = new MemoryStateStore();
        var store = new TimedStore(memory, time);
        var sink = new SwitchableSink();
        var options = new ProcessorOptions { Telemetry = telemetry };
        using var a = new PartitionProcessor(Hot, store, sink, new MemoryDeadLetterStore(), options);
        using var b = new PartitionProcessor(Hot, store, sink, new MemoryDeadLetterStore()); // another instance, not measured

        // t=10: d1 fires; one body is not JSON. Load, save, save again to clear the published outbox: 3 calls.
        await a.ProcessAsync([Reading("d1", 0, 85, 1, enqueuedSeconds: 0), Garbage(2, 0), Reading("d1", 5, 86, 3, enqueuedSeconds: 0)], Timeline.At(10));

        // t=20, sink down: a redelivery of d1's first event, and d2 fires but stays in its outbox. Load d2, save: 2 calls.
        sink.Down = true;
        await a.ProcessAsync([Reading("d1", 0, 85, 1, enqueuedSeconds: 20), Reading("d2", 10, 90, 4, enqueuedSeconds: 15)], Timeline.At(20));

        // t=30, sink back: the Sweep finds d2 due and delivers it. Due keys, save, save to clear: 3 calls.
        sink.Down = false;
        await a.SweepAsync(Timeline.At(30));

        // t=35: the other instance writes d1; t=40: a's cached ETag is stale. Save (conflict), load, save, save to clear: 4 calls.
        await b.ProcessAsync([Reading("d1", 35, 88, 5, enqueuedSeconds: 35)], Timeline.At(35));
        await a.ProcessAsync([Reading("d1", 40, 70, 6, enqueuedSeconds: 40)], Timeline.At(40));

        // t=50: storage fails on the first call (loading d3): the batch fails.
        store.Broken = true;
        await Assert.ThrowsAsync<IOException>(() => a.ProcessAsync([Reading("d3", 50, 70, 7, enqueuedSeconds: 50)], Timeline.At(50)));
        store.Broken = false;

        // New rules: the replaced version reads 0, the new one 1.
        await a.ReplaceRulesAsync(Hot with { Version = "v-next" });

        Assert.Equal(new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["pipeline.event.disposition=applied"] = 4,   // d1 twice at t=10, d2 at t=20, d1 at t=40
            ["pipeline.event.disposition=malformed"] = 1, // the body that is not JSON
            ["pipeline.event.disposition=duplicate"] = 1, // d1's first event again at t=20
        }, recorder.Sums("pipeline.events"));
        Assert.Equal(["3", "2", "1"], recorder.Of("pipeline.batch.size")); // the failed batch at t=50 reports no size
        Assert.Equal(
        [
            "0.015 pipeline.operation=ingest", // t=10: load, save, clear
            "0.01 pipeline.operation=ingest",  // t=20: load, save (nothing delivered, nothing to clear)
            "0.02 pipeline.operation=ingest",  // t=40: conflicting save, reload, save, clear
        ], recorder.Of("pipeline.batch.duration"));
        Assert.Equal(["0.015"], recorder.Of("pipeline.sweep.duration")); // due keys, save, clear
        Assert.Equal(["1"], recorder.Of("pipeline.sweep.due_keys"));     // d2, waiting in its outbox
        Assert.Equal(
        [
            "10", "10", // t=10: both d1 events were enqueued at 0 s
            "0", "5",   // t=20: the redelivery was enqueued again at 20 s, d2 at 15 s
            "0",        // t=40: d1, enqueued as it happened
            "0",        // t=50: d3, measured before the store failed
        ], recorder.Of("pipeline.event.enqueued_lag"));
        Assert.Equal(
        [
            "10", "5",  // t=10: d1 at 0 s and at 5 s
            "20", "10", // t=20: d1 at 0 s again, d2 at 10 s
            "0",        // t=40: d1 at 40 s
            "0",        // t=50: d3 at 50 s
        ], recorder.Of("pipeline.event.event_time_lag"));
        Assert.Equal(
        [
            "1 pipeline.alert.transition=fired",    // t=10: d1
            "1 pipeline.alert.transition=fired",    // t=30: d2, delivered by the Sweep
            "1 pipeline.alert.transition=resolved", // t=40: d1, re-applied on the other instance's state
        ], recorder.Of("pipeline.alerts"));
        Assert.Equal(["1 pipeline.operation=ingest"], recorder.Of("pipeline.alerts.publish.failures")); // t=20
        Assert.Equal(["1", "-1"], recorder.Of("pipeline.outbox.waiting")); // d2 waits from t=20 to t=30
        Assert.Equal(["1"], recorder.Of("pipeline.state.conflicts"));      // t=40
        Assert.Equal(["1 db.operation.name=load,error.type=System.IO.IOException"], recorder.Of("pipeline.state.failures"));
        Assert.Equal(
        [
            "0.005 db.operation.name=load", "0.005 db.operation.name=save", "0.005 db.operation.name=save",     // t=10
            "0.005 db.operation.name=load", "0.005 db.operation.name=save",                                      // t=20
            "0.005 db.operation.name=due_keys", "0.005 db.operation.name=save", "0.005 db.operation.name=save", // t=30
            "0.005 db.operation.name=save", "0.005 db.operation.name=load", "0.005 db.operation.name=save", "0.005 db.operation.name=save", // t=40
            "0.005 db.operation.name=load,error.type=System.IO.IOException",                                     // t=50
        ], recorder.Of("pipeline.state.operation.duration"));
        Assert.Equal(
        [
            "1 pipeline.rules.version=v-test", // at construction
            "0 pipeline.rules.version=v-test", // replaced
            "1 pipeline.rules.version=v-next",
        ], recorder.Of("pipeline.rules.active"));

        // The running totals the health rules and the dashboard read agree with the instruments.
        Assert.Equal(new TelemetrySnapshot(Received: 6, DeadLettered: 1, StoreFailures: 1, PublishFailures: 1, OutboxWaiting: 0), telemetry.Snapshot());
    }

    [Fact]
    public async Task A_batch_is_traced_as_decode_load_apply_persist_publish_under_one_span()
    {
        var time = new FakeTimeProvider(Timeline.T0);
        using var telemetry = new PipelineTelemetry(time, "Pipeline.Test." + Guid.NewGuid().ToString("N"));
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, telemetry.ActivitySource),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (stopped)
                {
                    stopped.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var processor = new PartitionProcessor(Hot, new MemoryStateStore(), new SwitchableSink { Down = true }, new MemoryDeadLetterStore(),
            new ProcessorOptions { Telemetry = telemetry });

        await processor.ProcessAsync([Reading("d1", 0, 85, 1, enqueuedSeconds: 0)], Timeline.At(1));

        // In the order they end; every step is a child of the batch, and the failed delivery is marked.
        Assert.Equal(["pipeline.decode", "pipeline.load", "pipeline.apply", "pipeline.persist", "pipeline.publish", "pipeline.batch"],
            stopped.Select(a => a.OperationName));
        var batch = stopped[^1];
        Assert.All(stopped[..^1], a => Assert.Equal(batch.SpanId, a.ParentSpanId));
        Assert.Equal(ActivityStatusCode.Error, stopped[4].Status);
    }
}
