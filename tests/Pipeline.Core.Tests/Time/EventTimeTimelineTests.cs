using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Core.Tests.Support;
using Pipeline.Core.Time;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Time;

public sealed class EventTimeTimelineTests
{
    private static RuleDefaults Defaults(LatePolicy policy, double toleranceSeconds = 0, double latenessSeconds = 30) =>
        new(new DisorderPolicy(TimeSpan.FromSeconds(toleranceSeconds), TimeSpan.FromSeconds(latenessSeconds), policy), TimeSpan.FromMinutes(5));

    [Fact]
    public void Events_out_of_order_within_the_tolerance_are_released_in_event_time_order()
    {
        var rules = Set(Defaults(LatePolicy.Drop, toleranceSeconds: 30), Detector("ramp", "pressure", new RateOfChangeDetectorSpec(2)));
        var inOrder = new Timeline(rules);
        var shuffled = new Timeline(rules);
        var points = new (double S, double V)[] { (0, 10), (10, 12), (20, 80), (30, 81), (40, 82) };

        // Sequence numbers follow arrival, as on an Event Hubs partition.
        var sequence = 0;
        foreach (var (s, v) in points)
        {
            inOrder.Arrive(Timeline.At(40), Timeline.Event("d1", s, "pressure", v, sequence: ++sequence));
        }

        sequence = 0;
        foreach (var i in new[] { 1, 0, 3, 2, 4 })
        {
            shuffled.Arrive(Timeline.At(40), Timeline.Event("d1", points[i].S, "pressure", points[i].V, sequence: ++sequence));
        }

        // Nothing is released until the watermark (max − 30 s) passes it; a sweep moves it on.
        inOrder.Sweep(100);
        shuffled.Sweep(100);

        Assert.Equal(["Fired ramp d1 00:00:20 warning", "Resolved ramp d1 00:00:30 warning"], inOrder.Lines());
        Assert.Equal(inOrder.Lines(), shuffled.Lines());
        Assert.Equal(inOrder.Alerts.Select(a => a.Id), shuffled.Alerts.Select(a => a.Id));
        Assert.Equal(0, shuffled.Counters.LateDropped + shuffled.Counters.LateAccepted);
    }

    [Fact]
    public void Late_events_beyond_allowed_lateness_are_dropped_and_counted_under_Drop()
    {
        var t = new Timeline(Set(Defaults(LatePolicy.Drop), Threshold("hot", "temperature", "> 80")));

        t.Send("temperature", (0, 70), (120, 70));                                             // watermark 2:00
        t.Arrive(Timeline.At(121), Timeline.Event("d1", 60, "temperature", 99, sequence: 10)); // 60 s behind, 30 s allowed

        Assert.Empty(t.Lines());
        Assert.Equal(1, t.Counters.LateDropped);
        Assert.Empty(t.DeadLetters);
    }

    [Fact]
    public void Late_events_beyond_allowed_lateness_are_dead_lettered_with_a_reason_under_DeadLetter()
    {
        var t = new Timeline(Set(Defaults(LatePolicy.DeadLetter), Threshold("hot", "temperature", "> 80")));

        t.Send("temperature", (0, 70), (120, 70));
        t.Arrive(Timeline.At(121), Timeline.Event("d1", 60, "temperature", 99, sequence: 10));

        Assert.Empty(t.Lines());
        var letter = Assert.Single(t.DeadLetters);
        Assert.Equal(DeadLetterReason.Late, letter.Reason);
        Assert.Equal(10, letter.Source.SequenceNumber);
        Assert.Contains("watermark", letter.Detail, StringComparison.Ordinal);
        Assert.Contains("\"temperature\":99", System.Text.Encoding.UTF8.GetString(letter.Body.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void Late_events_beyond_allowed_lateness_count_at_the_watermark_under_Adjust()
    {
        var t = new Timeline(Set(Defaults(LatePolicy.Adjust), Threshold("hot", "temperature", "> 80")));

        t.Send("temperature", (0, 70), (120, 70));
        t.Arrive(Timeline.At(121), Timeline.Event("d1", 60, "temperature", 99, sequence: 10)); // treated as at 2:00

        Assert.Equal(["Fired hot d1 00:02:00 warning"], t.Lines());
        Assert.Equal(1, t.Counters.LateAdjusted);
    }

    [Fact]
    public void A_late_event_within_allowed_lateness_amends_the_window_that_fired()
    {
        var rule = Threshold("overheat", "temperature", "> 80") with
        {
            Window = WindowSpec.Tumbling(TimeSpan.FromMinutes(1)),
            Aggregate = new AggregateSpec(AggregateKind.Avg),
        };
        var t = new Timeline(Set(Defaults(LatePolicy.Drop, latenessSeconds: 60), rule));

        t.Send("temperature", (0, 85), (30, 85), (60, 70));                                    // [0:00, 1:00) avg 85 fires at 1:00
        t.Arrive(Timeline.At(61), Timeline.Event("d1", 45, "temperature", 95, sequence: 10)); // late by 15 s, allowed 60 s

        Assert.Equal(["Fired overheat d1 00:01:00 warning", "Amended overheat d1 00:01:00 warning"], t.Lines());
        var amended = t.Alerts[1].Data;
        Assert.Equal((85 + 85 + 95) / 3.0, amended.Value!.Value, 9);
        Assert.True(amended.Late);
        Assert.Equal(3, amended.Evidence.EventCount);
        Assert.Equal(t.Alerts[0].Data.EpisodeId, amended.EpisodeId);
        Assert.Equal(1, t.Counters.LateAccepted);
    }

    [Fact]
    public void Redelivered_events_are_duplicates_and_change_nothing()
    {
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80")));
        var first = Timeline.Event("d1", 0, "temperature", 85, sequence: 7);

        t.Arrive(Timeline.At(0), first);
        var snapshot = Pipeline.Core.Engine.KeyStateSerializer.Write(t.State());
        t.Arrive(Timeline.At(0), first); // the same partition and sequence number again, at the same processing time

        Assert.Equal(["Fired hot d1 00:00:00 warning"], t.Lines());
        Assert.Equal(1, t.Counters.Duplicates);
        Assert.Equal(1, t.State().EventCount);
        Assert.Equal(snapshot, Pipeline.Core.Engine.KeyStateSerializer.Write(t.State()));
    }

    [Fact]
    public void Events_too_far_in_the_future_are_quarantined_and_do_not_move_the_watermark()
    {
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80")));

        t.Send("temperature", (0, 70));
        t.Arrive(Timeline.At(10), Timeline.Event("d1", 3600, "temperature", 99, sequence: t.NextSequence("d1"))); // an hour ahead, 5 m allowed
        t.Send("temperature", (20, 90));

        Assert.Equal(["Fired hot d1 00:00:20 warning"], t.Lines());
        Assert.Equal(1, t.Counters.Quarantined);
        Assert.Equal(DeadLetterReason.FutureTimestamp, Assert.Single(t.DeadLetters).Reason);
        Assert.Equal(EventTime.FromDateTimeOffset(Timeline.At(20)), t.State().Watermark);
    }

    [Fact]
    public void An_idle_key_advances_on_processing_time_and_closes_its_window()
    {
        var rule = Threshold("overheat", "temperature", "> 80") with
        {
            Window = WindowSpec.Tumbling(TimeSpan.FromMinutes(1)),
            Aggregate = new AggregateSpec(AggregateKind.Avg),
        };
        var t = new Timeline(Set(TimeSpan.FromSeconds(5), rule));

        t.Send("temperature", (0, 90), (30, 90)); // then silence
        Assert.Empty(t.Lines());
        // First the buffered 0:30 event is due (0:30 + 5 s tolerance), then the window end (1:00 + 5 s).
        Assert.Equal(Timeline.At(35), t.Engine.NextDeadline(t.State(), Timeline.At(30)));
        t.Sweep(35);
        Assert.Equal(Timeline.At(65), t.Engine.NextDeadline(t.State(), Timeline.At(35)));

        t.Sweep(64);
        Assert.Empty(t.Lines());
        t.Sweep(65);
        Assert.Equal(["Fired overheat d1 00:01:00 warning"], t.Lines());
    }
}
