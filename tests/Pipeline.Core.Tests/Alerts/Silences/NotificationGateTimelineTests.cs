using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Rules;
using Pipeline.Core.Tests.Support;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Alerts.Silences;

/// <summary>The real engine's transitions pass the gate; the notified and the suppressed ones are both checked.</summary>
public sealed class NotificationGateTimelineTests
{
    private static Silence SilenceOf(string id, double from, double to, string? rule = "hot", string? device = null) => new()
    {
        Id = id,
        RuleId = rule,
        Device = device,
        StartsAt = Timeline.At(from),
        EndsAt = Timeline.At(to),
        Author = "ops",
    };

    private static async Task<(List<string> Notified, List<string> Suppressed)> GateAsync(Timeline t, NotificationGate gate, int times = 1)
    {
        var inner = new MemoryAlertSink();
        var sink = new SuppressingAlertSink(inner, gate);
        for (var i = 0; i < times; i++)
        {
            // One publish per transition, as batches of one key's outbox arrive.
            foreach (var alert in t.Alerts)
            {
                await sink.PublishAsync([alert]);
            }
        }

        // The gate's decision of each transition says why it was suppressed (the history records the same reason).
        return (inner.Published.Select(Timeline.Line).ToList(),
            [.. t.Alerts.Select(a => (Alert: a, Found: gate.TryGetDecision(a.Id, out var reason), Reason: reason))
                .Where(d => d.Found && d.Reason is not null)
                .Select(d => Timeline.Line(d.Alert) + " | " + d.Reason)]);
    }

    [Fact]
    public async Task An_episode_that_starts_inside_a_silence_is_suppressed_to_its_end_and_the_next_one_is_notified()
    {
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80", "< 75")));
        t.Send("temperature",
            (0, 70),   // quiet
            (10, 85),  // fires inside the silence [5s, 25s)
            (20, 70),  // resolves, still inside
            (30, 90),  // fires after the silence: a new episode
            (40, 70)); // resolves

        var (notified, suppressed) = await GateAsync(t, new NotificationGate([SilenceOf("s1", 5, 25)], []));

        Assert.Equal(["Fired hot d1 00:00:30 warning", "Resolved hot d1 00:00:40 warning"], notified);
        Assert.Equal(
        [
            "Fired hot d1 00:00:10 warning | silence s1",
            "Resolved hot d1 00:00:20 warning | episode began suppressed: silence s1",
        ], suppressed);
    }

    [Fact]
    public async Task After_a_silence_expires_the_episode_it_hid_is_not_sent_as_new_nor_its_resolution()
    {
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80", "< 75")));
        t.Send("temperature",
            (10, 85),  // fires inside the silence [5s, 15s)
            (20, 86),  // silence expired at 15s: still the same episode, no transition
            (30, 70)); // resolves after the silence

        var (notified, suppressed) = await GateAsync(t, new NotificationGate([SilenceOf("s1", 5, 15)], []));

        Assert.Empty(notified);
        Assert.Equal(
        [
            "Fired hot d1 00:00:10 warning | silence s1",
            "Resolved hot d1 00:00:30 warning | episode began suppressed: silence s1",
        ], suppressed);
    }

    [Fact]
    public async Task Overlapping_silences_each_cover_their_own_time_and_a_notified_episode_still_resolves()
    {
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80", "< 75")));
        t.Send("temperature",
            (0, 85),   // fires before any silence: notified
            (10, 70),  // resolves inside s1 [5s, 20s): sent, the episode was notified
            (15, 85),  // fires inside s1 (s2 from 15s overlaps; the first listed active one is named)
            (25, 70),  // resolves: that episode stays suppressed
            (30, 85),  // fires inside s2 [15s, 40s) only
            (45, 70)); // resolves after both ended: still suppressed

        var gate = new NotificationGate([SilenceOf("s1", 5, 20), SilenceOf("s2", 15, 40, rule: null, device: "d1")], []);
        var (notified, suppressed) = await GateAsync(t, gate);

        Assert.Equal(["Fired hot d1 00:00:00 warning", "Resolved hot d1 00:00:10 warning"], notified);
        Assert.Equal(
        [
            "Fired hot d1 00:00:15 warning | silence s1",
            "Resolved hot d1 00:00:25 warning | episode began suppressed: silence s1",
            "Fired hot d1 00:00:30 warning | silence s2",
            "Resolved hot d1 00:00:45 warning | episode began suppressed: silence s2",
        ], suppressed);
    }

    [Fact]
    public async Task A_silence_for_another_rule_or_device_changes_nothing()
    {
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80")));
        t.Send("temperature", (10, 85), (20, 70));

        var gate = new NotificationGate([SilenceOf("other-rule", 0, 60, rule: "cold"), SilenceOf("other-device", 0, 60, device: "d2")], []);
        var (notified, suppressed) = await GateAsync(t, gate);

        Assert.Equal(["Fired hot d1 00:00:10 warning", "Resolved hot d1 00:00:20 warning"], notified);
        Assert.Empty(suppressed);
    }

    [Fact]
    public void A_redelivered_transition_gets_the_decision_it_got_the_first_time()
    {
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80")));
        t.Send("temperature", (10, 85), (20, 70));
        var gate = new NotificationGate([SilenceOf("s1", 0, 60)], []);
        var first = gate.Decide(t.Alerts);

        gate.SetSilences([]);            // the silence is deleted...
        var again = gate.Decide(t.Alerts); // ...and the batch is redelivered: same decisions, nothing sent late

        Assert.Equal(first.Select(d => d.SuppressedBy), again.Select(d => d.SuppressedBy));
        Assert.All(again, d => Assert.False(d.Notify));
    }

    [Fact]
    public async Task A_critical_source_inhibits_the_target_rule_on_the_same_device_while_it_fires()
    {
        var t = new Timeline(Set(
            Threshold("very-hot", "temperature", "> 90", severity: Severity.Critical),
            Threshold("warm", "temperature", "> 70")));
        t.Send("temperature",
            (0, 75),   // warm fires: notified
            (10, 95),  // very-hot fires: notified (warm keeps firing, no transition)
            (20, 60),  // both resolve: both were notified, both sent
            (30, 95),  // very-hot fires first, then warm: warm is inhibited
            (40, 75),  // very-hot resolves; warm keeps firing, no transition
            (50, 60)); // warm resolves: its episode began inhibited, so suppressed

        var gate = new NotificationGate([], [new InhibitionRule("very-hot", Severity.Critical, ["warm"])]);
        var (notified, suppressed) = await GateAsync(t, gate);

        Assert.Equal(
        [
            "Fired warm d1 00:00:00 warning",
            "Fired very-hot d1 00:00:10 critical",
            "Resolved very-hot d1 00:00:20 critical",
            "Resolved warm d1 00:00:20 warning",
            "Fired very-hot d1 00:00:30 critical",
            "Resolved very-hot d1 00:00:40 critical",
        ], notified);
        Assert.Equal(
        [
            "Fired warm d1 00:00:30 warning | inhibited by very-hot on d1",
            "Resolved warm d1 00:00:50 warning | episode began suppressed: inhibited by very-hot on d1",
        ], suppressed);
    }

    [Fact]
    public async Task A_source_below_the_minimum_severity_inhibits_nothing()
    {
        var t = new Timeline(Set(
            Threshold("very-hot", "temperature", "> 90", severity: Severity.Warning),
            Threshold("warm", "temperature", "> 70")));
        t.Send("temperature", (0, 95), (10, 60));

        var (notified, suppressed) = await GateAsync(t, new NotificationGate([], [new InhibitionRule("very-hot", Severity.Critical, ["warm"])]));

        Assert.Equal(4, notified.Count);
        Assert.Empty(suppressed);
    }

    [Fact]
    public async Task With_an_equal_label_the_source_inhibits_devices_of_the_same_site_only()
    {
        var t = new Timeline(Set(
            Threshold("site-down", "power", "< 1", severity: Severity.Critical),
            Threshold("warm", "temperature", "> 70")));
        var p1 = new Dictionary<string, string>(StringComparer.Ordinal) { ["site"] = "p1" };
        var p2 = new Dictionary<string, string>(StringComparer.Ordinal) { ["site"] = "p2" };
        t.Arrive(Timeline.At(0), Timeline.Event("ups", 0, "power", 0, p1));           // site-down fires for site p1
        t.Arrive(Timeline.At(10), Timeline.Event("d2", 10, "temperature", 80, p1));   // same site: inhibited
        t.Arrive(Timeline.At(10), Timeline.Event("d3", 10, "temperature", 80, p2));   // other site: notified

        var (notified, suppressed) = await GateAsync(t, new NotificationGate([], [new InhibitionRule("site-down", Severity.Error, ["warm"], "site")]));

        Assert.Equal(["Fired site-down ups 00:00:00 critical", "Fired warm d3 00:00:10 warning"], notified);
        Assert.Equal(["Fired warm d2 00:00:10 warning | inhibited by site-down on ups"], suppressed);
    }

    [Fact]
    public async Task Overlapping_inhibition_sources_then_expiry_then_a_redelivery_that_gets_the_first_decisions()
    {
        var t = new Timeline(Set(
            Threshold("power", "power", "< 1", severity: Severity.Critical),
            Threshold("door", "door", "> 0", severity: Severity.Critical),
            Threshold("warm", "temperature", "> 70", "< 65")));
        t.Send("power", (0, 0));          // power fires: sent
        t.Send("door", (5, 1));           // door fires too: two sources overlap
        t.Send("power", (10, 5));         // power resolves; door still holds
        t.Send("temperature", (15, 75));  // warm fires: inhibited by door, the source still firing
        t.Send("door", (20, 0));          // door resolves: the inhibition expires
        t.Send("temperature", (25, 60));  // warm resolves: its episode began inhibited, so suppressed
        t.Send("temperature", (30, 75));  // warm fires with no source firing: sent
        t.Send("temperature", (35, 60));  // and resolves: sent
        var gate = new NotificationGate([], [new InhibitionRule("power", Severity.Critical, ["warm"]), new InhibitionRule("door", Severity.Critical, ["warm"])]);

        var (notified, suppressed) = await GateAsync(t, gate);
        var redelivered = gate.Decide(t.Alerts); // the whole run again, after every source resolved

        Assert.Equal(
        [
            "Fired power d1 00:00:00 critical",
            "Fired door d1 00:00:05 critical",
            "Resolved power d1 00:00:10 critical",
            "Resolved door d1 00:00:20 critical",
            "Fired warm d1 00:00:30 warning",
            "Resolved warm d1 00:00:35 warning",
        ], notified);
        Assert.Equal(
        [
            "Fired warm d1 00:00:15 warning | inhibited by door on d1",
            "Resolved warm d1 00:00:25 warning | episode began suppressed: inhibited by door on d1",
        ], suppressed);
        Assert.Equal(
        [
            "Fired power d1 00:00:00 critical | sent",
            "Fired door d1 00:00:05 critical | sent",
            "Resolved power d1 00:00:10 critical | sent",
            "Fired warm d1 00:00:15 warning | inhibited by door on d1",
            "Resolved door d1 00:00:20 critical | sent",
            "Resolved warm d1 00:00:25 warning | episode began suppressed: inhibited by door on d1",
            "Fired warm d1 00:00:30 warning | sent",
            "Resolved warm d1 00:00:35 warning | sent",
        ], redelivered.Select(d => Timeline.Line(d.Alert) + " | " + (d.SuppressedBy ?? "sent")));
    }
}
