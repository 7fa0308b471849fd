using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Rules;
using Pipeline.Core.Events;
using Pipeline.Core.Tests.Support;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Alerts.Silences;

/// <summary>What the gate remembers: decisions of open episodes, a bounded number of closed ones, and a hard cap.</summary>
public sealed class NotificationGateMemoryTests
{
    [Fact]
    public void Episodes_opened_and_resolved_do_not_leave_their_decisions_behind()
    {
        // 6,000 episodes of one device, each a Fired and a Resolved: 12,000 transitions.
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80", "< 75")));
        for (var i = 0; i < 6_000; i++)
        {
            t.Send("temperature", (i * 20, 85), ((i * 20) + 10, 70));
        }

        var gate = new NotificationGate([], []);
        foreach (var alert in t.Alerts)
        {
            gate.Decide([alert]);
        }

        Assert.Equal(12_000, t.Alerts.Count);
        // Nothing is open; only the last closed decisions are kept for redelivery (10,000 by default).
        Assert.Equal(10_000, gate.Remembered);
    }

    [Fact]
    public async Task A_long_run_under_a_silence_leaves_nothing_behind_but_the_gates_bounded_decisions()
    {
        // 6,000 episodes, all inside one silence: 12,000 suppressed transitions.
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80", "< 75")));
        for (var i = 0; i < 6_000; i++)
        {
            t.Send("temperature", (i * 20, 85), ((i * 20) + 10, 70));
        }

        var gate = new NotificationGate([SilenceOf("s1", 0, 6_000 * 20)], []);
        var inner = new MemoryAlertSink();
        var sink = new SuppressingAlertSink(inner, gate);
        foreach (var alert in t.Alerts)
        {
            await sink.PublishAsync([alert]);
        }

        // Nothing is sent, and the only memory left is the gate's: the last 10,000 closed decisions (the sink keeps
        // none; the alert history records the suppressed transitions with data.suppressedBy).
        Assert.Empty(inner.Published);
        Assert.Equal(10_000, gate.Remembered);
        Assert.Equal(0, gate.OpenEpisodes);
    }

    private static Silence SilenceOf(string id, double from, double to, string device = "d1") => new()
    {
        Id = id,
        RuleId = "hot",
        Device = device,
        StartsAt = Timeline.At(from),
        EndsAt = Timeline.At(to),
        Author = "ops",
    };

    private static Telemetry Temperature(string device, double seconds, double value) => Timeline.Event(device, seconds, "temperature", value);

    /// <summary>Each transition through the gate on its own, as one line: the transition and <c>sent</c> or the reason.</summary>
    private static List<string> Through(NotificationGate gate, IEnumerable<AlertEvent> alerts) =>
        [.. alerts.Select(a => gate.Decide([a])[0]).Select(d => Timeline.Line(d.Alert) + " | " + (d.SuppressedBy ?? "sent"))];

    [Fact]
    public void A_silence_covering_the_fire_keeps_the_resolve_after_it_ended_unsent_and_nothing_stays_open()
    {
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80", "< 75")));
        t.Send("temperature",
            (10, 85),  // fires inside the silence [5s, 15s)
            (30, 70)); // resolves after the silence ended
        var gate = new NotificationGate([SilenceOf("s1", 5, 15)], []);

        Assert.Equal(
        [
            "Fired hot d1 00:00:10 warning | silence s1",                                // hidden by s1
            "Resolved hot d1 00:00:30 warning | episode began suppressed: silence s1",  // its episode stays hidden
        ], Through(gate, t.Alerts));
        Assert.Equal(0, gate.OpenEpisodes);   // the episode is over...
        Assert.Equal(2, gate.Remembered);     // ...its two decisions wait among the closed ones for a redelivery
    }

    [Fact]
    public void A_redelivered_fire_and_resolve_get_their_first_decisions_then_after_they_are_forgotten_the_stored_silence_decides()
    {
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80", "< 75")));
        t.Send("temperature",
            (10, 85),  // fires inside the silence [5s, 15s)
            (20, 70)); // resolves
        var d1 = t.Alerts.ToList();
        t.Arrive(Timeline.At(30), Temperature("d2", 30, 85));  // another device's episode...
        t.Arrive(Timeline.At(40), Temperature("d2", 40, 70));  // ...closes and pushes d1's decisions out of the two kept
        var gate = new NotificationGate([SilenceOf("s1", 5, 15)], [], new NotificationGateOptions { ClosedDecisionsKept = 2 });

        var lines = Through(gate, d1);
        lines.AddRange(Through(gate, d1));          // redelivered while remembered
        gate.SetSilences([SilenceOf("s1", 5, 15), SilenceOf("s2", 25, 45, device: "d2")]);
        lines.AddRange(Through(gate, t.Alerts[2..]));
        lines.AddRange(Through(gate, d1));          // redelivered after being forgotten: s1 is still stored
        gate.SetSilences([]);
        lines.AddRange(Through(gate, t.Alerts[2..]));
        lines.AddRange(Through(gate, d1));          // forgotten again and s1 deleted: decided as new

        Assert.Equal(
        [
            "Fired hot d1 00:00:10 warning | silence s1",                                // first delivery
            "Resolved hot d1 00:00:20 warning | episode began suppressed: silence s1",  // first delivery
            "Fired hot d1 00:00:10 warning | silence s1",                                // redelivery: remembered
            "Resolved hot d1 00:00:20 warning | episode began suppressed: silence s1",  // redelivery: remembered
            "Fired hot d2 00:00:30 warning | silence s2",                                // d2 inside s2
            "Resolved hot d2 00:00:40 warning | episode began suppressed: silence s2",  // d1's decisions are forgotten
            "Fired hot d1 00:00:10 warning | silence s1",                                // decided again at its time: s1
            "Resolved hot d1 00:00:20 warning | episode began suppressed: silence s1",  // same fate as the first time
            "Fired hot d2 00:00:30 warning | sent",                                      // d1 pushed d2 out; s2 is gone
            "Resolved hot d2 00:00:40 warning | sent",                                   // and pushes d1 out again
            "Fired hot d1 00:00:10 warning | sent",                                      // no silence left: sent late
            "Resolved hot d1 00:00:20 warning | sent",                                   // and its resolve with it
        ], lines);
        Assert.Equal(0, gate.OpenEpisodes);
        Assert.Equal(2, gate.Remembered);
    }

    [Fact]
    public void The_cap_forgets_the_least_recently_used_open_episode_whose_resolve_is_then_decided_from_the_stored_silences()
    {
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80", "< 75")));
        t.Arrive(Timeline.At(10), Temperature("d1", 10, 85));  // d1 fires inside s1 [5s, 15s)
        t.Arrive(Timeline.At(20), Temperature("d2", 20, 85));  // d2 fires
        t.Arrive(Timeline.At(30), Temperature("d3", 30, 85));  // d3 fires: three open decisions, the cap is two
        t.Arrive(Timeline.At(40), Temperature("d1", 40, 70));  // d1 resolves
        var gate = new NotificationGate([SilenceOf("s1", 5, 15)], [], new NotificationGateOptions { MaxOpenDecisions = 2 });

        Assert.Equal(
        [
            "Fired hot d1 00:00:10 warning | silence s1",                                // hidden by s1
            "Fired hot d2 00:00:20 warning | sent",                                      // notified
            "Fired hot d3 00:00:30 warning | sent",                                      // notified; d1 is forgotten
            "Resolved hot d1 00:00:40 warning | episode began suppressed: silence s1",  // rebuilt from the stored s1
        ], Through(gate, t.Alerts));
        Assert.Equal(1, gate.Evicted);
        Assert.Equal(2, gate.OpenEpisodes);   // d2 and d3
    }

    [Fact]
    public void The_cap_forgets_an_episode_that_began_inhibited_and_its_resolve_is_then_sent()
    {
        var t = new Timeline(Set(
            Threshold("hot", "temperature", "> 80", "< 75"),
            Threshold("power", "power", "< 1", severity: Severity.Critical)));
        t.Arrive(Timeline.At(0), Timeline.Event("d1", 0, "power", 0));   // power fires on d1
        t.Arrive(Timeline.At(10), Temperature("d1", 10, 85));            // hot fires on d1 while power fires
        t.Arrive(Timeline.At(20), Timeline.Event("d1", 20, "power", 5)); // power resolves
        t.Arrive(Timeline.At(30), Temperature("d2", 30, 85));            // d2 fires
        t.Arrive(Timeline.At(40), Temperature("d3", 40, 85));            // d3 fires: the cap of two forgets d1's hot
        t.Arrive(Timeline.At(50), Temperature("d1", 50, 70));            // hot resolves on d1
        var gate = new NotificationGate([], [new InhibitionRule("power", Severity.Critical, ["hot"])], new NotificationGateOptions { MaxOpenDecisions = 2 });

        Assert.Equal(
        [
            "Fired power d1 00:00:00 critical | sent",                  // notified
            "Fired hot d1 00:00:10 warning | inhibited by power on d1", // inhibited
            "Resolved power d1 00:00:20 critical | sent",               // notified episode: its resolve is sent
            "Fired hot d2 00:00:30 warning | sent",                     // notified
            "Fired hot d3 00:00:40 warning | sent",                     // notified; d1's hot episode is forgotten
            "Resolved hot d1 00:00:50 warning | sent",                  // an inhibition is not stored: sent unseen
        ], Through(gate, t.Alerts));
        Assert.Equal(1, gate.Evicted);
    }

    /// <summary>Counts the gate's questions to the history.</summary>
    private sealed class CountingHistory(IAlertHistory inner) : IAlertHistory
    {
        public int FiredLookups { get; private set; }

        public Task RecordAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default) => inner.RecordAsync(alerts, cancellationToken);

        public Task<IReadOnlyList<AlertEvent>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

        public Task<AlertEvent?> FindFiredAsync(string episodeId, DateTimeOffset startsAt, CancellationToken cancellationToken = default)
        {
            FiredLookups++;
            return inner.FindFiredAsync(episodeId, startsAt, cancellationToken);
        }

        public Task<int> PurgeAsync(DateTimeOffset transitionsOlderThan, DateTimeOffset closedEpisodesOlderThan, CancellationToken cancellationToken = default) =>
            inner.PurgeAsync(transitionsOlderThan, closedEpisodesOlderThan, cancellationToken);
    }

    [Fact]
    public async Task The_history_is_asked_once_per_episode_the_gate_has_not_seen_begin_and_never_for_one_it_knows()
    {
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80", "< 75", severity: Severity.Warning)));
        t.Send("temperature",
            (10, 85),   // episode 1 fires
            (20, 70),   // and resolves
            (30, 85),   // episode 2 fires
            (40, 70));  // and resolves
        var history = new CountingHistory(new MemoryAlertHistory());
        await history.RecordAsync(t.Alerts);

        // A gate that saw every episode begin asks nothing.
        var known = new SuppressingAlertSink(new MemoryAlertSink(), new NotificationGate([], []), history);
        foreach (var alert in t.Alerts)
        {
            await known.PublishAsync([alert]);
        }

        Assert.Equal(0, history.FiredLookups);

        // A new gate given only the resolves (a restart between fire and resolve) asks once per episode.
        var restarted = new SuppressingAlertSink(new MemoryAlertSink(), new NotificationGate([], []), history);
        await restarted.PublishAsync([.. t.Alerts.Where(a => a.Kind == AlertTransitionKind.Resolved)]);
        await restarted.PublishAsync([.. t.Alerts.Where(a => a.Kind == AlertTransitionKind.Resolved)]); // redelivered: decided already

        Assert.Equal(2, history.FiredLookups);
    }
}
