using Pipeline.Core.Alerts;
using Pipeline.Core.Rules;
using Pipeline.Core.Tests.Support;
using Pipeline.Core.Time;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Time;

/// <summary>
/// Examples from public references on windows and lateness (Flink's allowed lateness, Azure Stream Analytics'
/// sliding windows, our own per-event lateness rule), translated into our rules and replayed. The expected
/// transitions are written from the references, not from the engine.
/// </summary>
public sealed class ReferenceTimelineTests
{
    private static RuleSet WithDefaults(double toleranceSeconds, double latenessSeconds, LatePolicy late, params Rule[] rules) =>
        Set(new RuleDefaults(new DisorderPolicy(TimeSpan.FromSeconds(toleranceSeconds), TimeSpan.FromSeconds(latenessSeconds), late), TimeSpan.FromMinutes(5)), rules);

    private static double Clock(int hours, int minutes, int seconds = 0) => (hours * 3600) + (minutes * 60) + seconds;

    private static AlertWindow Window(double startSeconds, double endSeconds) => new(Timeline.At(startSeconds), Timeline.At(endSeconds));

    [Fact]
    public void A_late_event_within_allowed_lateness_grows_its_session_flink_example()
    {
        var rule = Threshold("session-sum", "price", "> 0") with
        {
            Window = new WindowSpec(WindowKind.Session, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromMinutes(5), TimeSpan.FromHours(1)),
            Aggregate = new AggregateSpec(AggregateKind.Sum),
        };
        var t = new Timeline(WithDefaults(1, 300, LatePolicy.Drop, rule));
        var a = 0L;
        var b = 0L;

        t.Arrive(Timeline.At(Clock(8, 7)), Timeline.Event("item-a", Clock(8, 7), "price", 4, sequence: ++a));  // a's watermark 08:06:59
        t.Arrive(Timeline.At(Clock(8, 9)), Timeline.Event("item-b", Clock(8, 9), "price", 5, sequence: ++b));  // b's watermark 08:08:59
        t.Arrive(Timeline.At(Clock(8, 9)), Timeline.Event("item-a", Clock(8, 6), "price", 2, sequence: ++a));  // late by 59 s: opens a's session at 08:06
        t.Arrive(Timeline.At(Clock(8, 9)), Timeline.Event("item-a", Clock(8, 8), "price", 3, sequence: ++a));  // late again: joins it
        t.Arrive(Timeline.At(Clock(8, 17)), Timeline.Event("item-b", Clock(8, 17), "price", 1, sequence: ++b)); // 8 min after 08:09: b's first session closes
        t.Sweep(Clock(8, 20), "item-a", "item-b");                                                             // the clock passes 08:13 for item-a

        Assert.Equal(
        [
            "Fired session-sum item-b 08:14:00 warning", // [08:09, 08:14) sum 5
            "Fired session-sum item-a 08:13:00 warning", // [08:06, 08:13) sum 2 + 4 + 3 = 9
        ], t.Lines());
        Assert.Equal(Window(Clock(8, 9), Clock(8, 14)), t.Alerts[0].Data.Window);
        Assert.Equal(5, t.Alerts[0].Data.Value);
        Assert.Equal(Window(Clock(8, 6), Clock(8, 13)), t.Alerts[1].Data.Window);
        Assert.Equal(9, t.Alerts[1].Data.Value);
        Assert.Equal(2, t.Counters.LateAccepted);
        Assert.Equal(0, t.Counters.LateDropped);
        Assert.Equal(5, t.Counters.Applied);
    }

    [Fact]
    public void A_late_event_that_extends_a_closed_session_amends_its_result()
    {
        var rule = Threshold("session-sum", "price", "> 0") with
        {
            Window = new WindowSpec(WindowKind.Session, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromMinutes(5), TimeSpan.FromHours(1)),
            Aggregate = new AggregateSpec(AggregateKind.Sum),
        };
        var t = new Timeline(WithDefaults(0, 900, LatePolicy.Drop, rule));

        t.Send("price", (Clock(8, 7), 4), (Clock(8, 20), 1));                                  // [08:07, 08:12) sum 4 closes at 08:20
        t.Arrive(Timeline.At(Clock(8, 20)), Timeline.Event("d1", Clock(8, 5), "price", 2, sequence: 10)); // 2 min before it: the session starts at 08:05

        Assert.Equal(
        [
            "Fired session-sum d1 08:12:00 warning",   // [08:07, 08:12) sum 4
            "Amended session-sum d1 08:12:00 warning", // the same session grown to [08:05, 08:12): sum 6
        ], t.Lines());
        Assert.Equal(Window(Clock(8, 5), Clock(8, 12)), t.Alerts[1].Data.Window);
        Assert.Equal(6, t.Alerts[1].Data.Value);
        Assert.True(t.Alerts[1].Data.Late);
    }

    [Fact]
    public void Lateness_is_decided_per_event_so_one_batch_and_single_events_agree()
    {
        var rule = Threshold("sum-1m", "v", "> 10") with
        {
            Window = WindowSpec.Tumbling(TimeSpan.FromMinutes(1)),
            Aggregate = new AggregateSpec(AggregateKind.Sum),
        };
        var rules = WithDefaults(0, 60, LatePolicy.Drop, rule);
        (double Seconds, double V)[] arrivals = [(10, 6), (50, 6), (65, 1), (30, 5), (150, 1), (20, 100)];
        string[] expected =
        [
            "Fired sum-1m d1 00:01:00 warning",    // [00:00, 00:01) = 6 + 6 = 12, closed by 00:01:05
            "Amended sum-1m d1 00:01:00 warning",  // 00:00:30 is 35 s late, within 1 m: 12 + 5 = 17
            "Resolved sum-1m d1 00:02:00 warning", // [00:01, 00:02) = 1, closed by 00:02:30
        ];                                         // 00:00:20 is 130 s behind 00:02:30: dropped

        var oneBatch = new Timeline(rules);
        var sequence = 0L;
        oneBatch.Arrive(Timeline.At(150), [.. arrivals.Select(p => Timeline.Event("d1", p.Seconds, "v", p.V, sequence: ++sequence))]);
        var single = new Timeline(rules);
        sequence = 0L;
        foreach (var (seconds, v) in arrivals)
        {
            single.Arrive(Timeline.At(150), Timeline.Event("d1", seconds, "v", v, sequence: ++sequence));
        }

        foreach (var t in new[] { oneBatch, single })
        {
            Assert.Equal(expected, t.Lines());
            Assert.Equal([12.0, 17.0, 1.0], t.Alerts.Select(x => x.Data.Value!.Value));
            Assert.Equal(1, t.Counters.LateDropped);
            Assert.Equal(1, t.Counters.LateAccepted);
            Assert.Equal(5, t.Counters.Applied);
        }

        Assert.Equal(single.Alerts.Select(x => x.Id), oneBatch.Alerts.Select(x => x.Id));
    }

    private static Rule TwoInFiveSeconds() => Threshold("burst", "errors", ">= 2") with
    {
        Window = WindowSpec.Sliding(TimeSpan.FromSeconds(5)),
        Aggregate = new AggregateSpec(AggregateKind.Count),
    };

    [Fact]
    public void A_sliding_window_is_evaluated_when_an_event_leaves_it_asa_example()
    {
        var t = new Timeline(WithDefaults(0, 60, LatePolicy.Drop, TwoInFiveSeconds()));

        t.Send("errors", (34, 1), (38, 1), (42, 1));
        t.Send("clock", (60, 0)); // a later event without the metric moves the watermark

        Assert.Equal(
        [
            "Fired burst d1 00:00:38 warning",    // :34 and :38 in (:33, :38]
            "Resolved burst d1 00:00:39 warning", // :34 leaves at :39: only :38
            "Fired burst d1 00:00:42 warning",    // :38 and :42
            "Resolved burst d1 00:00:43 warning", // :38 leaves at :43: only :42
        ], t.Lines());
        Assert.Equal([2.0, 1.0, 2.0, 1.0], t.Alerts.Select(a => a.Data.Value!.Value));
    }

    [Fact]
    public void An_idle_key_resolves_its_sliding_window_through_the_sweep_deadline()
    {
        var t = new Timeline(WithDefaults(0, 60, LatePolicy.Drop, TwoInFiveSeconds()));

        t.Send("errors", (34, 1), (38, 1), (42, 1));

        // After :42 the next evaluation point is :38 leaving at :43: that is when the Sweep must come back.
        t.State().Outbox.Clear(); // published (an outbox with alerts is due at once)
        Assert.Equal(Timeline.At(43), t.Engine.NextDeadline(t.State(), Timeline.At(42)));
        t.Sweep(43);

        Assert.Equal(
        [
            "Fired burst d1 00:00:38 warning",    // :34 and :38
            "Resolved burst d1 00:00:39 warning", // :34 left
            "Fired burst d1 00:00:42 warning",    // :38 and :42
            "Resolved burst d1 00:00:43 warning", // :38 left, found by the Sweep with no new event
        ], t.Lines());
    }

    [Fact]
    public void A_late_event_no_window_can_take_meets_the_late_policy()
    {
        var t = new Timeline(WithDefaults(0, 60, LatePolicy.DeadLetter, TwoInFiveSeconds()));

        t.Send("errors", (30, 1), (50, 1));                                                  // (:45, :50] holds only :50
        t.Arrive(Timeline.At(50), Timeline.Event("d1", 40, "errors", 1, sequence: 10)); // 10 s late, but every window holding :40 has passed

        Assert.Empty(t.Lines());
        Assert.Equal(0, t.Counters.LateAccepted);
        Assert.Equal(1, t.Counters.LateDeadLettered);
        Assert.Equal(Pipeline.Core.State.DeadLetterReason.Late, Assert.Single(t.DeadLetters).Reason);
    }

    [Fact]
    public void A_late_event_in_an_empty_tumbling_window_creates_it()
    {
        var rule = Threshold("sum-1m", "v", "> 10") with
        {
            Window = WindowSpec.Tumbling(TimeSpan.FromMinutes(1)),
            Aggregate = new AggregateSpec(AggregateKind.Sum),
        };
        var t = new Timeline(WithDefaults(0, 120, LatePolicy.DeadLetter, rule));

        t.Send("v", (30, 20), (130, 1));                                              // [0:00, 1:00) fires, [1:00, 2:00) has no event
        t.Arrive(Timeline.At(130), Timeline.Event("d1", 90, "v", 50, sequence: 10)); // 40 s late into the empty window

        Assert.Equal(["Fired sum-1m d1 00:01:00 warning"], t.Lines()); // the late window is not the one that fired: nothing to amend
        Assert.Equal(1, t.Counters.LateAccepted);
        Assert.Empty(t.DeadLetters);
    }
}
