using Pipeline.Core.Alerts;
using Pipeline.Core.Rules;
using Pipeline.Core.Tests.Support;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Engine;

public sealed class ThresholdTimelineTests
{
    [Fact]
    public void Per_event_threshold_with_hysteresis_fires_and_resolves_on_the_clear_condition()
    {
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80", "< 75")));

        t.Send("temperature",
            (0, 70),   // below: nothing
            (10, 82),  // above 80: fires
            (20, 78),  // inside the band 75..80: keeps firing
            (30, 74),  // below 75: resolves
            (40, 81)); // above 80 again: a new episode

        Assert.Equal(
        [
            "Fired hot d1 00:00:10 warning",
            "Resolved hot d1 00:00:30 warning",
            "Fired hot d1 00:00:40 warning",
        ], t.Lines());
        Assert.Equal([1L, 2L, 3L], t.Alerts.Select(a => a.Data.Sequence));
        Assert.Equal(t.Alerts[0].Data.EpisodeId, t.Alerts[1].Data.EpisodeId);
        Assert.NotEqual(t.Alerts[0].Data.EpisodeId, t.Alerts[2].Data.EpisodeId);
        Assert.Equal(82, t.Alerts[0].Data.Value);
        Assert.Equal("temperature > 80", t.Alerts[0].Data.Condition);
        Assert.Equal("temperature < 75", t.Alerts[1].Data.Condition);
    }

    [Fact]
    public void Without_clear_the_alert_resolves_as_soon_as_the_condition_stops_holding()
    {
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80")));

        t.Send("temperature", (0, 85), (10, 79));

        Assert.Equal(["Fired hot d1 00:00:00 warning", "Resolved hot d1 00:00:10 warning"], t.Lines());
    }

    [Fact]
    public void Tumbling_window_average_with_for_and_keepFiringFor()
    {
        var rule = Threshold("overheat", "temperature", "> 80", "< 75") with
        {
            Window = WindowSpec.Tumbling(TimeSpan.FromMinutes(1)),
            Aggregate = new AggregateSpec(AggregateKind.Avg),
            For = TimeSpan.FromMinutes(2),
            KeepFiringFor = TimeSpan.FromMinutes(1),
            Severity = Severity.Critical,
        };
        var t = new Timeline(Set(rule));

        // One event every 10 s: minute 0 at 70, minutes 1-3 at 85, minutes 4-5 at 70, one event at 6:00.
        var points = Enumerable.Range(0, 37).Select(i => (Seconds: i * 10.0, Value: i is >= 6 and < 24 ? 85.0 : 70.0)).ToArray();
        t.Send("temperature", points);

        Assert.Equal(
        [
            // [1:00, 2:00) closes at 2:00 with avg 85: pending; [2:00, 3:00) at 3:00: 1m pending;
            // [3:00, 4:00) closes at 4:00: pending for 2m, fires.
            "Fired overheat d1 00:04:00 critical",

            // [4:00, 5:00) avg 70 < 75 at 5:00 starts keepFiringFor; [5:00, 6:00) still clear at 6:00: resolved.
            "Resolved overheat d1 00:06:00 critical",
        ], t.Lines());
        var fired = t.Alerts[0].Data;
        Assert.Equal(new AlertWindow(Timeline.At(180), Timeline.At(240)), fired.Window);
        Assert.Equal(85, fired.Value);
        Assert.Equal(6, fired.Evidence.EventCount);
        Assert.Equal("avg(temperature) > 80", fired.Condition);
        Assert.Equal(Timeline.At(240), fired.StartsAt);
        Assert.Equal(Timeline.At(360), t.Alerts[1].Data.EndsAt);
    }

    [Fact]
    public void A_pending_alert_whose_condition_stops_holding_never_fires()
    {
        var rule = Threshold("hot", "temperature", "> 80") with { For = TimeSpan.FromSeconds(30) };
        var t = new Timeline(Set(rule));

        t.Send("temperature", (0, 85), (20, 85), (25, 70), (30, 85), (50, 85), (60, 85));

        // Pending from 0, broken at 25; pending again from 30, held 30 s at 60.
        Assert.Equal(["Fired hot d1 00:01:00 warning"], t.Lines());
    }

    [Fact]
    public void Severity_ladder_escalates_and_deescalates_while_firing()
    {
        var rule = new Rule
        {
            Id = "temp",
            Metric = "temperature",
            Ladder = [new SeverityStep(Severity.Warning, C("> 70")), new SeverityStep(Severity.Critical, C("> 80"))],
            Severity = Severity.Critical,
        };
        var t = new Timeline(Set(rule));

        t.Send("temperature",
            (0, 65),   // no step holds
            (10, 75),  // warning step: fires as warning
            (20, 85),  // critical step: escalates
            (30, 75),  // back to warning: de-escalates
            (40, 60)); // no step: resolves

        Assert.Equal(
        [
            "Fired temp d1 00:00:10 warning",
            "Escalated temp d1 00:00:20 critical",
            "Deescalated temp d1 00:00:30 warning",
            "Resolved temp d1 00:00:40 warning",
        ], t.Lines());
    }

    [Fact]
    public void Most_specific_override_wins_and_the_alert_names_it()
    {
        var rule = Threshold("overheat", "temperature", "> 80") with
        {
            Overrides =
            [
                new RuleOverride { Match = Match(("site", "plant-7")), When = C("> 85") },
                new RuleOverride { Match = Match(("deviceId", "chiller-17")), When = C("> 90") },
            ],
        };
        var t = new Timeline(Set(rule));
        var plant7 = new Dictionary<string, string> { ["site"] = "plant-7" };
        var plant1 = new Dictionary<string, string> { ["site"] = "plant-1" };

        t.Arrive(Timeline.At(0),
            Timeline.Event("chiller-17", 0, "temperature", 88, plant7), // its own override (> 90) wins over the site's
            Timeline.Event("d2", 0, "temperature", 86, plant7),         // the site override (> 85)
            Timeline.Event("d3", 0, "temperature", 81, plant1));        // the rule (> 80)
        t.Arrive(Timeline.At(10), Timeline.Event("chiller-17", 10, "temperature", 92, plant7));

        Assert.Equal(
        [
            "Fired overheat d2 00:00:00 warning",
            "Fired overheat d3 00:00:00 warning",
            "Fired overheat chiller-17 00:00:10 warning",
        ], t.Lines());
        Assert.Equal(["override:site=plant-7", "rule", "override:deviceId=chiller-17"], t.Alerts.Select(a => a.Data.ConditionSource));
        Assert.Equal([85d, 80d, 90d], t.Alerts.Select(a => a.Data.Threshold!.Value));
    }

    [Fact]
    public void Label_selector_limits_a_rule_to_matching_devices()
    {
        var rule = Threshold("chiller-hot", "temperature", "> 80") with { Match = Match(("deviceType", "chiller")) };
        var t = new Timeline(Set(rule));

        t.Arrive(Timeline.At(0),
            Timeline.Event("pump-1", 0, "temperature", 95, new Dictionary<string, string> { ["deviceType"] = "pump" }),
            Timeline.Event("chiller-1", 0, "temperature", 95, new Dictionary<string, string> { ["deviceType"] = "chiller" }));

        Assert.Equal(["Fired chiller-hot chiller-1 00:00:00 warning"], t.Lines());
        Assert.Equal("chiller", t.Alerts[0].Data.Labels["deviceType"]);
    }

    [Fact]
    public void Hopping_window_max_fires_once_across_overlapping_windows()
    {
        var rule = Threshold("spike", "pressure", "> 100") with
        {
            Window = WindowSpec.Hopping(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1)),
            Aggregate = new AggregateSpec(AggregateKind.Max),
        };
        var t = new Timeline(Set(rule));

        t.Send("pressure", (0, 50), (90, 120), (130, 50), (200, 50), (250, 50));

        Assert.Equal(
        [
            "Fired spike d1 00:02:00 warning",    // [0:00, 2:00) max 120, closed by the event at 2:10
                                                  // [1:00, 3:00) max 120 at 3:20: still firing, no transition
            "Resolved spike d1 00:04:00 warning", // [2:00, 4:00) max 50, closed by the event at 4:10
        ], t.Lines());
    }

    [Fact]
    public void Sliding_window_is_evaluated_at_each_event_over_the_preceding_size()
    {
        var rule = Threshold("warm", "temperature", "> 80") with
        {
            Window = WindowSpec.Sliding(TimeSpan.FromSeconds(30)),
            Aggregate = new AggregateSpec(AggregateKind.Avg),
        };
        var t = new Timeline(Set(rule));

        t.Send("temperature",
            (0, 70),   // (−0:30, 0:00]: 70
            (10, 90),  // avg(70, 90) = 80, not above
            (20, 95),  // avg(70, 90, 95) = 85: fires
            (30, 60),  // (0:00, 0:30]: avg(90, 95, 60) = 81.7: still firing
            (40, 50)); // (0:10, 0:40]: avg(95, 60, 50) = 68.3: resolves

        Assert.Equal(["Fired warm d1 00:00:20 warning", "Resolved warm d1 00:00:40 warning"], t.Lines());
        Assert.Equal(85, t.Alerts[0].Data.Value!.Value, 9);
    }

    [Fact]
    public void Session_window_closes_after_the_gap()
    {
        var rule = Threshold("burst", "vibration", "> 3") with
        {
            Window = WindowSpec.Session(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10)),
            Aggregate = new AggregateSpec(AggregateKind.Count),
        };
        var t = new Timeline(Set(rule));

        t.Send("vibration", (0, 1), (10, 1), (20, 1), (30, 1), (200, 1), (400, 1));

        Assert.Equal(
        [
            "Fired burst d1 00:01:30 warning",    // session [0:00, 1:30) has 4 events
            "Resolved burst d1 00:04:20 warning", // session [3:20, 4:20) has 1
        ], t.Lines());
        Assert.Equal(new AlertWindow(Timeline.At(0), Timeline.At(90)), t.Alerts[0].Data.Window);
    }

    [Fact]
    public void Session_window_is_cut_at_max_duration()
    {
        var rule = Threshold("long", "vibration", ">= 1") with
        {
            Window = WindowSpec.Session(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)),
            Aggregate = new AggregateSpec(AggregateKind.Count),
        };
        var t = new Timeline(Set(rule));

        // Events every 30 s never leave a 1 m gap; the session is cut at 2 m.
        t.Send("vibration", (0, 1), (30, 1), (60, 1), (90, 1), (120, 1), (150, 1));

        Assert.Equal(["Fired long d1 00:02:00 warning"], t.Lines());
        Assert.Equal(new AlertWindow(Timeline.At(0), Timeline.At(120)), t.Alerts[0].Data.Window);
        Assert.Equal(4, t.Alerts[0].Data.Value);
    }
}
