using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Core.Tests.Support;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Processing;

/// <summary>Issue 12, item 5: alert delivery decoupled from intake, retried with backoff, bounded per key.</summary>
public sealed class DeliveryTests
{
    private static readonly RuleSet Hot = Set(Threshold("hot", "temperature", "> 80"));

    private static Telemetry Reading(double seconds, double temperature, long sequence) =>
        Timeline.Event("d1", seconds, "temperature", temperature, sequence: sequence);

    /// <summary>A sink that answers each call with the next outcome of a script (true: delivered), and records the calls.</summary>
    private sealed class ScriptedSink(params bool[] outcomes) : IAlertSink
    {
        private int _call;

        public List<string> Calls { get; } = [];

        public List<AlertEvent> Delivered { get; } = [];

        public Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
        {
            var ok = _call < outcomes.Length ? outcomes[_call] : true;
            _call++;
            Calls.Add($"{(ok ? "delivered" : "failed")} {string.Join(",", alerts.Select(Timeline.Line))}");
            if (!ok)
            {
                throw new HttpRequestException("receiver answered 500");
            }

            Delivered.AddRange(alerts);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Deferred_delivery_leaves_intake_to_the_outbox_and_retries_a_failing_sink_with_doubling_waits()
    {
        var sink = new ScriptedSink(false, false, true);
        using var processor = new PartitionProcessor(Hot, new MemoryStateStore(), sink, new MemoryDeadLetterStore(),
            new ProcessorOptions { DeferDelivery = true, DeliveryRetryDelay = TimeSpan.FromSeconds(1), MaxDeliveryRetryDelay = TimeSpan.FromSeconds(30) });

        var intake = await processor.ProcessAsync([Reading(0, 85, 1)], Timeline.At(0));  // fires; intake only persists it
        Assert.Empty(intake.Published);
        Assert.Equal(1, processor.WaitingAlerts);
        Assert.Empty(sink.Calls);                                                         // the sink is not called by intake

        await processor.DeliverAsync(Timeline.At(0));                                     // 1st attempt fails: next at 00:00:01
        await processor.DeliverAsync(Timeline.At(0.5));                                   // not due: no call
        await processor.DeliverAsync(Timeline.At(1));                                     // 2nd attempt fails: next at 00:00:03
        await processor.DeliverAsync(Timeline.At(2.9));                                   // not due: no call
        var third = await processor.DeliverAsync(Timeline.At(3));                         // 3rd attempt delivers

        Assert.Equal(
        [
            "failed Fired hot d1 00:00:00 warning",
            "failed Fired hot d1 00:00:00 warning",
            "delivered Fired hot d1 00:00:00 warning",
        ], sink.Calls);
        Assert.Equal(["Fired hot d1 00:00:00 warning"], third.Published.Select(Timeline.Line));
        Assert.Equal(0, processor.WaitingAlerts);
        Assert.Null(processor.NextDeliveryAttempt);
        Assert.Equal(1, processor.Totals.Fired);
        Assert.Equal(2, processor.Totals.PublishFailures);
    }

    [Fact]
    public async Task A_delivered_alert_is_cleared_from_the_stored_outbox_so_a_restart_does_not_send_it_again()
    {
        var store = new MemoryStateStore();
        var sink = new ScriptedSink();
        using (var first = new PartitionProcessor(Hot, store, sink, new MemoryDeadLetterStore(), new ProcessorOptions { DeferDelivery = true }))
        {
            await first.ProcessAsync([Reading(0, 85, 1)], Timeline.At(0));
            await first.DeliverAsync(Timeline.At(0));
        }

        using var restarted = new PartitionProcessor(Hot, store, sink, new MemoryDeadLetterStore(), new ProcessorOptions { DeferDelivery = true });
        await restarted.SweepAsync(Timeline.At(10));
        await restarted.DeliverAsync(Timeline.At(10));

        Assert.Equal(["delivered Fired hot d1 00:00:00 warning"], sink.Calls);
    }

    [Fact]
    public async Task Inline_delivery_stops_calling_a_failed_sink_until_its_backoff_ends_and_the_sweep_then_delivers()
    {
        var sink = new ScriptedSink(false, true);
        using var processor = new PartitionProcessor(Hot, new MemoryStateStore(), sink, new MemoryDeadLetterStore(),
            new ProcessorOptions { DeliveryRetryDelay = TimeSpan.FromSeconds(5) });

        var first = await processor.ProcessAsync([Reading(0, 85, 1)], Timeline.At(0));    // fires; the sink fails: next try at 00:00:05
        var second = await processor.ProcessAsync([Reading(1, 86, 2)], Timeline.At(1));   // within the backoff: the sink is not called
        var swept = await processor.SweepAsync(Timeline.At(5));                           // the Sweep delivers what waited

        Assert.NotNull(first.PublishError);
        Assert.Equal(1, second.AlertsInOutbox);
        Assert.Equal(["failed Fired hot d1 00:00:00 warning", "delivered Fired hot d1 00:00:00 warning"], sink.Calls);
        Assert.Equal(["Fired hot d1 00:00:00 warning"], swept.Published.Select(Timeline.Line));
    }

    [Fact]
    public async Task A_full_outbox_moves_its_oldest_alerts_to_the_dead_letter_store_and_counts_them()
    {
        var deadLetters = new MemoryDeadLetterStore();
        using var processor = new PartitionProcessor(Hot, new MemoryStateStore(), new ScriptedSink(false), deadLetters,
            new ProcessorOptions { DeferDelivery = true, MaxOutboxPerKey = 2 });

        await processor.ProcessAsync([Reading(0, 85, 1)], Timeline.At(0));   // Fired: 1 waits
        await processor.ProcessAsync([Reading(10, 70, 2)], Timeline.At(10));  // Resolved: 2 wait
        await processor.DeliverAsync(Timeline.At(10));                        // the receiver fails
        var third = await processor.ProcessAsync([Reading(20, 90, 3)], Timeline.At(20)); // Fired again: the oldest leaves the outbox

        Assert.Equal(1, third.OutboxDeadLettered);
        Assert.Equal(2, processor.WaitingAlerts);
        Assert.Equal(1, processor.Totals.OutboxDeadLettered);
        var letter = Assert.Single(await deadLetters.QueryAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 10));
        Assert.Equal(DeadLetterReason.OutboxFull, letter.Reason);
        Assert.Equal("Fired hot d1 00:00:00 warning", Timeline.Line(AlertEvent.Parse(letter.Body.Span)));
    }
}
