using System.Text;
using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Core.Tests.Support;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Processing;

public sealed class PartitionProcessorTests
{
    private static readonly RuleSet HotAndOffline = Set(
        Threshold("hot", "temperature", "> 80"),
        Detector("offline", null, new HeartbeatDetectorSpec(TimeSpan.FromMinutes(2), [])));

    private static RawEvent Raw(string json, long sequence, string partition = "0") =>
        new(Encoding.UTF8.GetBytes(json), new SourcePosition(partition, sequence, Timeline.At(0)));

    private static RawEvent Reading(string device, double seconds, double temperature, long sequence) =>
        Raw($$"""{"deviceId":"{{device}}","ts":"{{Timeline.At(seconds):O}}","temperature":{{temperature}}}""", sequence);

    /// <summary>A sink that fails its first <paramref name="failures"/> calls, like an unreachable Event Grid.</summary>
    private sealed class FlakySink(int failures) : IAlertSink
    {
        private int _failures = failures;

        public List<AlertEvent> Published { get; } = [];

        public Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
        {
            if (_failures-- > 0)
            {
                throw new InvalidOperationException("topic unreachable");
            }

            Published.AddRange(alerts);
            return Task.CompletedTask;
        }
    }

    /// <summary>A state store that fails every call, like a storage outage.</summary>
    private sealed class BrokenStore : IStateStore
    {
        public Task<IReadOnlyDictionary<string, StoredState>> LoadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default) =>
            throw new IOException("storage unavailable");

        public Task<string> SaveAsync(StateWrite write, CancellationToken cancellationToken = default) => throw new IOException("storage unavailable");

        public Task<IReadOnlyList<string>> GetDueKeysAsync(DateTimeOffset asOf, int maxKeys, CancellationToken cancellationToken = default) =>
            throw new IOException("storage unavailable");
    }

    [Fact]
    public async Task A_bad_event_among_good_ones_is_dead_lettered_with_its_raw_bytes_and_the_rest_are_applied()
    {
        var deadLetters = new MemoryDeadLetterStore();
        var sink = new MemoryAlertSink();
        using var processor = new PartitionProcessor(HotAndOffline, new MemoryStateStore(), sink, deadLetters);
        byte[] notUtf8 = [0xff, 0xfe, 0x00];

        var result = await processor.ProcessAsync(
        [
            Reading("d1", 0, 70, 1),
            Raw("{not json", 2),
            new RawEvent(notUtf8, new SourcePosition("0", 3, Timeline.At(0))),
            Raw("""{"deviceId":"d1","temperature":85}""", 4), // no timestamp
            Reading("d1", 10, 85, 5),
        ], Timeline.At(10));

        Assert.Equal(5, result.Dispositions.Received);
        Assert.Equal(2, result.Dispositions.Applied);
        Assert.Equal(3, result.Dispositions.Malformed);
        AssertEveryEventAccountedFor(result);
        Assert.Equal(["Fired hot d1 00:00:10 warning"], sink.Published.Select(Timeline.Line));

        var letters = await deadLetters.QueryAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 10);
        Assert.Equal([2L, 3L, 4L], letters.Select(l => l.Source.SequenceNumber).Order());
        Assert.All(letters, l => Assert.Equal(DeadLetterReason.Malformed, l.Reason));
        Assert.Equal(notUtf8, letters.Single(l => l.Source.SequenceNumber == 3).Body.ToArray());
        Assert.Equal("{not json", Encoding.UTF8.GetString(letters.Single(l => l.Source.SequenceNumber == 2).Body.Span));
        Assert.StartsWith(nameof(DecodeError.MissingTimestamp), letters.Single(l => l.Source.SequenceNumber == 4).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sink_failure_keeps_alerts_in_the_outbox_and_the_next_batch_publishes_them()
    {
        var store = new MemoryStateStore();
        var sink = new FlakySink(failures: 1);
        using var processor = new PartitionProcessor(HotAndOffline, store, sink, new MemoryDeadLetterStore());

        var first = await processor.ProcessAsync([Reading("d1", 0, 85, 1)], Timeline.At(0));
        Assert.Equal("topic unreachable", first.PublishError);
        Assert.Equal(1, first.AlertsInOutbox);
        Assert.Empty(sink.Published);

        // The outbox is persisted: a fresh processor (a restarted instance) sees it too.
        var stored = await store.LoadAsync(["d1"]);
        Assert.Single(KeyStateSerializer.Read(stored["d1"].Snapshot.Span, "d1").Outbox);

        var second = await processor.ProcessAsync([Reading("d1", 10, 70, 2)], Timeline.At(10));
        Assert.Null(second.PublishError);
        Assert.Equal(0, second.AlertsInOutbox);
        Assert.Equal(["Fired hot d1 00:00:00 warning", "Resolved hot d1 00:00:10 warning"], sink.Published.Select(Timeline.Line));

        stored = await store.LoadAsync(["d1"]);
        Assert.Empty(KeyStateSerializer.Read(stored["d1"].Snapshot.Span, "d1").Outbox);
    }

    [Fact]
    public async Task The_sweep_retries_an_unpublished_outbox_without_new_events()
    {
        var store = new MemoryStateStore();
        var sink = new FlakySink(failures: 1);
        using var processor = new PartitionProcessor(HotAndOffline, store, sink, new MemoryDeadLetterStore());

        await processor.ProcessAsync([Reading("d1", 0, 85, 1)], Timeline.At(0));
        Assert.Equal(["d1"], await store.GetDueKeysAsync(Timeline.At(0), 10)); // due at once: its outbox is not empty

        var swept = await processor.SweepAsync(Timeline.At(30));

        Assert.Equal(["Fired hot d1 00:00:00 warning"], swept.Published.Select(Timeline.Line));
        Assert.Equal(["Fired hot d1 00:00:00 warning"], sink.Published.Select(Timeline.Line));
    }

    [Fact]
    public async Task The_sweep_finds_silent_keys_through_the_deadline_index()
    {
        var store = new MemoryStateStore();
        var sink = new MemoryAlertSink();
        using var processor = new PartitionProcessor(HotAndOffline, store, sink, new MemoryDeadLetterStore());

        await processor.ProcessAsync([Reading("d1", 0, 70, 1), Reading("d2", 0, 70, 2)], Timeline.At(0));
        await processor.ProcessAsync([Reading("d2", 100, 70, 3)], Timeline.At(100));

        Assert.Equal(["d1"], await store.GetDueKeysAsync(Timeline.At(120), 10)); // d1 silent since 0:00
        var swept = await processor.SweepAsync(Timeline.At(120));

        Assert.Equal(1, swept.Keys);
        Assert.Equal(["Fired offline d1 00:02:00 warning"], sink.Published.Select(Timeline.Line));
    }

    [Fact]
    public async Task A_redelivered_batch_changes_nothing_and_publishes_nothing_twice()
    {
        var store = new MemoryStateStore();
        var sink = new MemoryAlertSink();
        using var processor = new PartitionProcessor(HotAndOffline, store, sink, new MemoryDeadLetterStore());
        RawEvent[] batch = [Reading("d1", 0, 85, 1), Reading("d1", 10, 70, 2), Reading("d2", 0, 90, 3)];

        await processor.ProcessAsync(batch, Timeline.At(10));
        var snapshot = (await store.LoadAsync(["d1"]))["d1"].Snapshot.ToArray();
        var again = await processor.ProcessAsync(batch, Timeline.At(10));

        Assert.Equal(3, again.Dispositions.Duplicates);
        Assert.Equal(0, again.Dispositions.Applied);
        Assert.Empty(again.Published);
        Assert.Equal(3, sink.Published.Count);
        Assert.Equal(3, sink.Published.Select(a => a.Id).Distinct().Count());
        Assert.Equal(snapshot, (await store.LoadAsync(["d1"]))["d1"].Snapshot.ToArray());
    }

    [Fact]
    public async Task An_etag_conflict_reloads_the_key_and_reapplies_the_batch_on_top()
    {
        var store = new MemoryStateStore();
        var sink = new MemoryAlertSink();
        using var a = new PartitionProcessor(HotAndOffline, store, sink, new MemoryDeadLetterStore());
        using var b = new PartitionProcessor(HotAndOffline, store, sink, new MemoryDeadLetterStore());

        await a.ProcessAsync([Reading("d1", 0, 85, 1)], Timeline.At(0));  // a caches d1
        await b.ProcessAsync([Reading("d1", 10, 70, 2)], Timeline.At(10)); // b loads a's state and writes after it
        var result = await a.ProcessAsync([Reading("d1", 20, 95, 3)], Timeline.At(20)); // a's cached ETag is stale

        Assert.Equal(1, result.Conflicts);
        Assert.Equal(
        [
            "Fired hot d1 00:00:00 warning",    // from a
            "Resolved hot d1 00:00:10 warning", // from b
            "Fired hot d1 00:00:20 warning",    // from a, re-applied on b's state
        ], sink.Published.Select(Timeline.Line));
        var final = KeyStateSerializer.Read((await store.LoadAsync(["d1"]))["d1"].Snapshot.Span, "d1");
        Assert.Equal(3, final.EventCount);
        Assert.Equal([1L, 2L, 3L], sink.Published.Select(p => p.Data.Sequence));
    }

    /// <summary>Holds the first two loads until both have read, so two instances start from the same state.</summary>
    private sealed class BothLoadFirst(IStateStore inner) : IStateStore
    {
        private readonly TaskCompletionSource _bothLoaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _loads;

        public async Task<IReadOnlyDictionary<string, StoredState>> LoadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default)
        {
            var result = await inner.LoadAsync(keys, cancellationToken);
            var n = Interlocked.Increment(ref _loads);
            if (n == 2)
            {
                _bothLoaded.SetResult();
            }

            if (n <= 2)
            {
                await _bothLoaded.Task.WaitAsync(cancellationToken);
            }

            return result;
        }

        public Task<string> SaveAsync(StateWrite write, CancellationToken cancellationToken = default) => inner.SaveAsync(write, cancellationToken);

        public Task<IReadOnlyList<string>> GetDueKeysAsync(DateTimeOffset asOf, int maxKeys, CancellationToken cancellationToken = default) =>
            inner.GetDueKeysAsync(asOf, maxKeys, cancellationToken);
    }

    [Fact]
    public async Task Two_instances_racing_on_the_same_batch_count_it_once()
    {
        var memory = new MemoryStateStore();
        var store = new BothLoadFirst(memory);
        var sink = new MemoryAlertSink();
        using var a = new PartitionProcessor(HotAndOffline, store, sink, new MemoryDeadLetterStore());
        using var b = new PartitionProcessor(HotAndOffline, store, sink, new MemoryDeadLetterStore());
        RawEvent[] batch = [Reading("d1", 0, 85, 1), Reading("d1", 10, 86, 2)];

        var results = await Task.WhenAll(a.ProcessAsync(batch, Timeline.At(10)), b.ProcessAsync(batch, Timeline.At(10)));

        Assert.True(results.Sum(r => r.Conflicts) >= 1); // both started from "no state": a write of one of them lost
        var final = KeyStateSerializer.Read((await memory.LoadAsync(["d1"]))["d1"].Snapshot.Span, "d1");
        Assert.Equal(2, final.EventCount);
        Assert.Equal(["Fired hot d1 00:00:00 warning"], sink.Published.Select(a => a.Id).Distinct().Select(id => Timeline.Line(sink.Published.First(p => p.Id == id))));
    }

    [Fact]
    public async Task Keys_beyond_the_cache_bound_are_evicted_and_reloaded_from_the_store_when_they_return()
    {
        var store = new MemoryStateStore();
        var sink = new MemoryAlertSink();
        using var processor = new PartitionProcessor(HotAndOffline, store, sink, new MemoryDeadLetterStore(), new ProcessorOptions { MaxCachedKeys = 2 });

        await processor.ProcessAsync([Reading("d1", 0, 85, 1)], Timeline.At(0)); // d1 fires
        await processor.ProcessAsync([Reading("d2", 0, 70, 2)], Timeline.At(1));
        await processor.ProcessAsync([Reading("d3", 0, 70, 3)], Timeline.At(2)); // over the bound: d1, the oldest, goes
        Assert.True(processor.CachedKeys <= 2);

        var redelivered = await processor.ProcessAsync([Reading("d1", 0, 85, 1)], Timeline.At(3));
        var next = await processor.ProcessAsync([Reading("d1", 10, 70, 4)], Timeline.At(10));

        Assert.Equal(1, redelivered.Dispositions.Duplicates); // the reloaded state remembers the applied position
        Assert.Equal(["Fired hot d1 00:00:00 warning", "Resolved hot d1 00:00:10 warning"], sink.Published.Select(Timeline.Line));
        Assert.Equal(sink.Published[0].Data.EpisodeId, sink.Published[1].Data.EpisodeId); // the episode survived eviction
        Assert.Equal(0, next.Conflicts);
    }

    [Fact]
    public async Task A_state_store_failure_fails_the_batch()
    {
        using var processor = new PartitionProcessor(HotAndOffline, new BrokenStore(), new MemoryAlertSink(), new MemoryDeadLetterStore());

        await Assert.ThrowsAsync<IOException>(() => processor.ProcessAsync([Reading("d1", 0, 85, 1)], Timeline.At(0)));
    }

    [Fact]
    public async Task Replacing_rules_keeps_the_state_of_unchanged_rules()
    {
        var store = new MemoryStateStore();
        var sink = new MemoryAlertSink();
        using var processor = new PartitionProcessor(HotAndOffline, store, sink, new MemoryDeadLetterStore());
        await processor.ProcessAsync([Reading("d1", 0, 85, 1)], Timeline.At(0));

        // Same "hot" rule with a new threshold; "offline" removed.
        await processor.ReplaceRulesAsync(Set(Threshold("hot", "temperature", "> 90")));
        await processor.ProcessAsync([Reading("d1", 10, 87, 2)], Timeline.At(10));

        Assert.Equal(["Fired hot d1 00:00:00 warning", "Resolved hot d1 00:00:10 warning"], sink.Published.Select(Timeline.Line));
        Assert.Equal(sink.Published[0].Data.EpisodeId, sink.Published[1].Data.EpisodeId); // the episode survived the change
    }

    [Fact]
    public void Alert_batches_respect_the_count_and_byte_limits()
    {
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80")));
        for (var i = 0; i < 10; i++)
        {
            t.Send("temperature", (i * 20, 85), ((i * 20) + 10, 70));
        }

        var alerts = t.Alerts;
        Assert.Equal(20, alerts.Count);
        Assert.Equal([7, 7, 6], AlertBatching.Split(alerts, 7, int.MaxValue).Select(b => b.Count));
        var size = alerts[0].ToJsonBytes().Length;
        var bySize = AlertBatching.Split(alerts, 5000, 2 + (3 * (size + 1)) + 10).ToList();
        Assert.All(bySize, b => Assert.InRange(b.Count, 1, 3));
        Assert.Equal(alerts.Select(a => a.Id), bySize.SelectMany(b => b).Select(a => a.Id));
    }

    private static void AssertEveryEventAccountedFor(BatchResult r)
    {
        var d = r.Dispositions;
        Assert.Equal(d.Received, d.Applied + d.Duplicates + d.LateDropped + d.LateDeadLettered + d.Malformed + d.Quarantined);
    }

    [Fact]
    public async Task Every_event_is_counted_in_exactly_one_disposition_per_batch_and_per_run()
    {
        var deadLetters = new MemoryDeadLetterStore();
        using var processor = new PartitionProcessor(HotAndOffline, new MemoryStateStore(), new MemoryAlertSink(), deadLetters);

        var first = await processor.ProcessAsync(
        [
            Reading("d1", 0, 70, 1),
            Reading("d1", 100, 70, 2),
            Raw("{not json", 3),          // malformed
            Reading("d1", 50, 99, 4),     // 50 s late: no window can take it, so the late policy (drop) applies
            Reading("d1", 10, 99, 5),     // 90 s late, beyond the allowed minute: dropped
            Reading("d1", 3700, 99, 6),   // an hour ahead of its arrival: quarantined
            Reading("d1", 100, 70, 2),    // redelivered: duplicate
        ], Timeline.At(100));
        var second = await processor.ProcessAsync([Reading("d1", 110, 85, 7), Reading("d1", 105, 85, 8)], Timeline.At(110));
        var swept = await processor.SweepAsync(Timeline.At(400));

        Assert.Equal((7L, 2L, 1L, 2L, 1L, 1L), (first.Dispositions.Received, first.Dispositions.Applied, first.Dispositions.Malformed, first.Dispositions.LateDropped, first.Dispositions.Quarantined, first.Dispositions.Duplicates));
        Assert.Equal((2L, 1L, 1L), (second.Dispositions.Received, second.Dispositions.Applied, second.Dispositions.LateDropped));
        AssertEveryEventAccountedFor(first);
        AssertEveryEventAccountedFor(second);
        AssertEveryEventAccountedFor(swept);
        var t = processor.Totals.Events;
        Assert.Equal(9, t.Received);
        Assert.Equal(t.Received, t.Applied + t.Duplicates + t.Late + t.Malformed + t.Quarantined); // no event was adjusted here
        Assert.Equal(2, (await deadLetters.QueryAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 10)).Count); // malformed + quarantined
    }
}
