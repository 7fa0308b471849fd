using System.Text;
using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Core.Tests.Support;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Processing;

public sealed class PartitionedProcessorTests
{
    private static readonly string[] Fleet = ["a", "b", "c", "d", "e", "f", "g", "h"];

    private static RuleSet Watched() => Set(
        Threshold("hot", "temperature", "> 80"),
        Detector("offline", null, new HeartbeatDetectorSpec(TimeSpan.FromMinutes(2), Fleet)));

    private static PartitionedProcessor Create(RuleSet rules, int partitions, IAlertSink sink, IDeadLetterStore deadLetters) =>
        new(rules, [.. Enumerable.Range(0, partitions).Select(_ => (IStateStore)new MemoryStateStore())], sink, deadLetters,
            new ProcessorOptions { Environment = "test" }, parallel: false, sequenceBase: 0);

    [Fact]
    public void Each_expected_key_is_watched_by_the_one_partition_its_hash_picks()
    {
        var rules = Watched();

        var owners = Enumerable.Range(0, 3)
            .SelectMany(p => ((HeartbeatDetectorSpec)PartitionedProcessor.RulesForPartition(rules, p, 3).Rules[1].Detector!).Expected.Select(k => (Key: k, Partition: p)))
            .ToList();

        Assert.Equal(Fleet, owners.Select(o => o.Key).Order());
        Assert.All(owners, o => Assert.Equal(Partitioner.PartitionOf(o.Key, 3), o.Partition));
    }

    [Fact]
    public async Task A_silent_expected_device_raises_one_alert_however_many_partitions_there_are()
    {
        var sink = new MemoryAlertSink();
        using var processor = Create(Watched(), 4, sink, new MemoryDeadLetterStore());

        await processor.SweepAsync(Timeline.At(0), CancellationToken.None); // every expected key starts its silence
        await processor.SweepAsync(Timeline.At(180), CancellationToken.None); // 3 minutes without a word from any of them

        Assert.Equal(Fleet, sink.Published.Where(a => a.Kind == AlertTransitionKind.Fired).Select(a => a.Data.Key).Order());
    }

    [Fact]
    public async Task Every_event_offered_is_accounted_for_once()
    {
        var deadLetters = new MemoryDeadLetterStore();
        using var processor = Create(Watched(), 2, new MemoryAlertSink(), deadLetters);
        ReadOnlyMemory<byte> notJson = Encoding.UTF8.GetBytes("not json");

        await processor.RejectAsync("file", [(notJson, new DecodeFailure(DecodeError.NotJson, "line 1")), (notJson, new DecodeFailure(DecodeError.NotJson, "line 2"))],
            Timeline.At(0), CancellationToken.None);
        await processor.SubmitAsync([Timeline.Event("a", 0, "temperature", 20), Timeline.Event("b", 0, "temperature", 21), Timeline.Event("a", 10, "temperature", 22)],
            Timeline.At(10), CancellationToken.None);

        var events = processor.Totals().Events;
        Assert.Equal("in 5 = applied 3 + duplicate 0 + late 0 + dead-lettered 2 + quarantined 0", events.Identity());
        Assert.True(events.Balances);
        var letters = await deadLetters.QueryAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 10);
        Assert.Equal([("file", 0L), ("file", 1L)], letters.Select(l => (l.Source.Partition, l.Source.SequenceNumber)).Order());
    }
    [Fact]
    public async Task A_batch_whose_state_write_fails_leaves_no_effect_so_its_resend_counts_each_event_once()
    {
        // Issue 12, item 1: the HTTP ingest answers 503 "send the request again" when the store fails; the resend must
        // not apply the good records a second time.
        var store = new FailingOnceStateStore(failures: 1);
        var sink = new MemoryAlertSink();
        using var processor = new PartitionedProcessor(Set(Threshold("busy", "temperature", "> 80")), [store], sink, new MemoryDeadLetterStore(),
            new ProcessorOptions { Environment = "test" }, parallel: false, sequenceBase: 0);
        Telemetry[] request = [.. Enumerable.Range(0, 5).Select(i => Timeline.Event("a", i, "temperature", 20 + i))];

        await Assert.ThrowsAsync<IOException>(() => processor.SubmitAsync(request, Timeline.At(5), CancellationToken.None)); // the 503
        await processor.SubmitAsync(request, Timeline.At(6), CancellationToken.None);                                      // the resend

        Assert.Equal(5, await store.StoredEventCountAsync("a"));
        Assert.Equal(5, processor.Totals().Events.Applied);
    }
}
