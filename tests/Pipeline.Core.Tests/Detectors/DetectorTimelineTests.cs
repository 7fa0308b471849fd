using Pipeline.Core.Alerts;
using Pipeline.Core.Rules;
using Pipeline.Core.Tests.Support;
using Pipeline.Core.Time;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Detectors;

public sealed class DetectorTimelineTests
{
    // 20 values alternating 10 and 11: mean 10.5, standard deviation 0.5.
    private static (double, double)[] Steady(int count, double start = 0) =>
        Enumerable.Range(0, count).Select(i => (start + (i * 10.0), i % 2 == 0 ? 10.0 : 11.0)).ToArray();

    [Fact]
    public void Zscore_fires_on_a_spike_and_resolves_when_values_return()
    {
        var t = new Timeline(Set(Detector("vib", "vibration", new ZScoreDetectorSpec(History: 20, Threshold: 4, Warmup: 10))));

        t.Send("vibration", Steady(20));
        t.Send("vibration",
            (200, 20),    // z = |20 − 10.5| / 0.5 = 19: fires
            (210, 10.5)); // history now 10×11, 9×10 and 20: mean 11, sd ≈ 2.12, z ≈ 0.24: resolves

        Assert.Equal(["Fired vib d1 00:03:20 warning", "Resolved vib d1 00:03:30 warning"], t.Lines());
        Assert.Equal(19, t.Alerts[0].Data.Value!.Value, 3);
        Assert.Equal(4, t.Alerts[0].Data.Threshold);
    }

    [Fact]
    public void Zscore_gives_no_verdict_during_warmup()
    {
        var t = new Timeline(Set(Detector("vib", "vibration", new ZScoreDetectorSpec(History: 20, Threshold: 4, Warmup: 10))));

        // Nine steady values then a spike: still warming up, so no alert.
        t.Send("vibration", Steady(9));
        t.Send("vibration", (90, 50));

        Assert.Empty(t.Lines());
    }

    [Fact]
    public void Ewma_fires_on_a_spike_and_resolves_when_values_return()
    {
        var t = new Timeline(Set(Detector("vib", "vibration", new EwmaDetectorSpec(Alpha: 0.1, Threshold: 4, Warmup: 10))));

        t.Send("vibration", Steady(40));
        t.Send("vibration",
            (400, 20),    // far outside the weighted spread (< 1): fires
            (410, 10.5)); // the spike widened the spread to ≈ 2.9; 10.5 is ≈ 0.3 of it away: resolves

        Assert.Equal(["Fired vib d1 00:06:40 warning", "Resolved vib d1 00:06:50 warning"], t.Lines());
    }

    [Fact]
    public void Heartbeat_fires_when_a_silent_device_is_swept_and_resolves_on_its_next_event()
    {
        var t = new Timeline(Set(Detector("offline", null, new HeartbeatDetectorSpec(TimeSpan.FromMinutes(2), []))));

        t.Send("temperature", (0, 70), (10, 70), (20, 70));
        t.Sweep(139); // 1:59 after the last event: not yet
        Assert.Empty(t.Lines());
        Assert.Equal(Timeline.At(140), t.Engine.NextDeadline(t.State(), Timeline.At(20)));

        t.Sweep(141); // the key's time passed 0:20 + 2:00
        t.Send("temperature", (300, 70));

        Assert.Equal(["Fired offline d1 00:02:20 warning", "Resolved offline d1 00:05:00 warning"], t.Lines());
        Assert.Equal(0, t.Alerts[0].Data.Evidence.EventCount);
    }

    [Fact]
    public void Heartbeat_detects_a_gap_inside_one_batch()
    {
        var t = new Timeline(Set(Detector("offline", null, new HeartbeatDetectorSpec(TimeSpan.FromMinutes(1), []))));

        // A device that buffered: both events arrive together at 3:00.
        t.Arrive(Timeline.At(180),
            Timeline.Event("d1", 0, "temperature", 70, sequence: 1),
            Timeline.Event("d1", 180, "temperature", 70, sequence: 2));

        Assert.Equal(["Fired offline d1 00:01:00 warning", "Resolved offline d1 00:03:00 warning"], t.Lines());
    }

    [Fact]
    public void Heartbeat_watches_expected_devices_before_their_first_event()
    {
        var t = new Timeline(Set(Detector("offline", null, new HeartbeatDetectorSpec(TimeSpan.FromMinutes(2), ["never-seen"]))));

        t.Sweep(0, "never-seen");   // registered at 0:00
        t.Sweep(121, "never-seen"); // silent for 2 m

        Assert.Equal(["Fired offline never-seen 00:02:00 warning"], t.Lines());
    }

    [Fact]
    public void Flatline_fires_when_a_value_stays_within_tolerance_for_the_duration()
    {
        var t = new Timeline(Set(Detector("stuck", "pressure", new FlatlineDetectorSpec(TimeSpan.FromMinutes(10), 0.01))));

        // One value a minute within ±0.004 of 5.0 from 0:00 to 10:00, then a real change at 11:00.
        var flat = Enumerable.Range(0, 11).Select(i => (i * 60.0, 5.0 + (i % 2 == 0 ? 0.004 : -0.004))).ToArray();
        t.Send("pressure", flat);
        t.Send("pressure", (660, 6.0));

        Assert.Equal(["Fired stuck d1 00:10:00 warning", "Resolved stuck d1 00:11:00 warning"], t.Lines());
    }

    [Fact]
    public void Flatline_restarts_its_run_when_a_value_leaves_the_band()
    {
        var t = new Timeline(Set(Detector("stuck", "pressure", new FlatlineDetectorSpec(TimeSpan.FromMinutes(10), 0.01))));

        // Flat for 9 minutes, one jump at 9:00 restarts the run, flat again until 18:00 (only 9 minutes).
        var points = Enumerable.Range(0, 19).Select(i => (i * 60.0, i < 9 ? 5.0 : 5.5)).ToArray();
        t.Send("pressure", points);

        Assert.Empty(t.Lines());
        t.Send("pressure", (1140, 5.5)); // 19:00: ten minutes since 9:00
        Assert.Equal(["Fired stuck d1 00:19:00 warning"], t.Lines());
    }

    [Fact]
    public void Rate_of_change_fires_on_a_fast_change_between_consecutive_events()
    {
        var t = new Timeline(Set(Detector("ramp", "pressure", new RateOfChangeDetectorSpec(2))));

        t.Send("pressure",
            (0, 10),
            (10, 20),  // 1/s: fine
            (20, 60),  // 4/s: fires
            (30, 61)); // 0.1/s: resolves

        Assert.Equal(["Fired ramp d1 00:00:20 warning", "Resolved ramp d1 00:00:30 warning"], t.Lines());
        Assert.Equal(4, t.Alerts[0].Data.Value);
    }

    [Fact]
    public void Composite_all_fires_while_every_part_fires()
    {
        var rules = Set(
            Threshold("hot", "temperature", "> 80"),
            Detector("offline", null, new HeartbeatDetectorSpec(TimeSpan.FromMinutes(1), [])),
            new Rule { Id = "hot-and-offline", Composite = new CompositeSpec(CompositeMode.All, ["hot", "offline"]), Severity = Severity.Critical });
        var t = new Timeline(rules);

        t.Send("temperature", (0, 85));
        t.Sweep(61);
        t.Send("temperature", (100, 70));

        Assert.Equal(
        [
            "Fired hot d1 00:00:00 warning",
            "Fired offline d1 00:01:00 warning",
            "Fired hot-and-offline d1 00:01:00 critical",  // both parts firing
            "Resolved hot d1 00:01:40 warning",
            "Resolved hot-and-offline d1 00:01:40 critical", // judged the moment a part stops firing
            "Resolved offline d1 00:01:40 warning",
        ], t.Lines());
    }

    [Fact]
    public void Composite_any_fires_while_one_part_fires()
    {
        var rules = Set(
            Threshold("hot", "temperature", "> 80"),
            Threshold("humid", "humidity", "> 90"),
            new Rule { Id = "either", Composite = new CompositeSpec(CompositeMode.Any, ["hot", "humid"]) });
        var t = new Timeline(rules);

        t.Send("temperature", (0, 85), (10, 70));

        Assert.Equal(
        [
            "Fired hot d1 00:00:00 warning",
            "Fired either d1 00:00:00 warning",
            "Resolved hot d1 00:00:10 warning",
            "Resolved either d1 00:00:10 warning",
        ], t.Lines());
    }

    [Fact]
    public void Composite_with_for_fires_when_its_condition_has_held_long_enough_without_another_transition()
    {
        var rules = Set(
            Threshold("hot", "temperature", "> 80"),
            new Rule { Id = "hot-for-a-while", Composite = new CompositeSpec(CompositeMode.Any, ["hot"]), For = TimeSpan.FromSeconds(30) });
        var t = new Timeline(rules);

        t.Send("temperature", (0, 85), (10, 86), (20, 87)); // hot fires at 0:00; the composite is pending from 0:00
        t.Sweep(29);
        Assert.Equal(["Fired hot d1 00:00:00 warning"], t.Lines());

        t.Sweep(31); // the key's time passed 0:30
        Assert.Equal(["Fired hot d1 00:00:00 warning", "Fired hot-for-a-while d1 00:00:30 warning"], t.Lines());
    }

    [Fact]
    public void Heartbeat_with_for_fires_after_timeout_plus_for()
    {
        var rule = Detector("offline", null, new HeartbeatDetectorSpec(TimeSpan.FromMinutes(1), [])) with { For = TimeSpan.FromMinutes(1) };
        var t = new Timeline(Set(rule));

        t.Send("temperature", (0, 70));
        t.Sweep(119);
        Assert.Empty(t.Lines());
        t.Sweep(121);

        Assert.Equal(["Fired offline d1 00:02:00 warning"], t.Lines());
    }

    [Fact]
    public void Detector_severity_override_applies_to_matching_devices_and_is_named()
    {
        var rule = Detector("offline", null, new HeartbeatDetectorSpec(TimeSpan.FromMinutes(1), [])) with
        {
            Severity = Severity.Critical,
            Overrides = [new RuleOverride { Match = Match(("site", "plant-1")), Severity = Severity.Error }],
        };
        var t = new Timeline(Set(rule));

        t.Arrive(Timeline.At(0),
            Timeline.Event("a", 0, "temperature", 70, new Dictionary<string, string> { ["site"] = "plant-1" }, 1),
            Timeline.Event("b", 0, "temperature", 70, new Dictionary<string, string> { ["site"] = "plant-2" }, 2));
        t.Sweep(61, "a", "b");

        Assert.Equal(["Fired offline a 00:01:00 error", "Fired offline b 00:01:00 critical"], t.Lines());
        Assert.Equal(["override:site=plant-1", "rule"], t.Alerts.Select(a => a.Data.ConditionSource));
    }

    [Fact]
    public void An_expected_device_that_reports_with_a_lagging_clock_is_not_late()
    {
        var t = new Timeline(Set(Detector("offline", null, new HeartbeatDetectorSpec(TimeSpan.FromMinutes(2), ["slow"]))));

        t.Sweep(600, "slow"); // watched from 10:00 by processing time
        t.Arrive(Timeline.At(601), Timeline.Event("slow", 300, "temperature", 70, sequence: 1)); // stamped 5:00

        Assert.Equal(1, t.Counters.Applied);
        Assert.Equal(0, t.Counters.LateDropped);
        Assert.Equal(EventTime.FromDateTimeOffset(Timeline.At(300)), t.State("slow").MaxEventTime);
    }
}
