using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Rules;
using Pipeline.Core.Tests.Support;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Alerts.Silences;

/// <summary>
/// Issue 16: a new gate (a restart) seeds the inhibition sources that were firing from the alert history, once before
/// its first decision and again when the inhibitions change; what it saw itself wins over a history that lags.
/// </summary>
public sealed class NotificationGateSeedTests
{
    private static readonly InhibitionRule PowerInhibitsHot = new("power", Severity.Critical, ["hot"]);

    private static Timeline Rules(Severity power = Severity.Critical) => new(Set(
        Threshold("hot", "temperature", "> 80", "< 75"),
        Threshold("power", "power", "< 1", severity: power)));

    private static string Decide(NotificationGate gate, AlertEvent alert) => gate.Decide([alert])[0].SuppressedBy ?? "sent";

    [Fact]
    public async Task A_source_firing_in_the_history_inhibits_the_first_decision_of_a_new_gate()
    {
        var t = Rules();
        t.Send("power", (0, 0));             // power fires at critical on d1 before the restart
        t.Send("temperature", (10, 85));     // hot fires after it
        var history = new MemoryAlertHistory();
        await history.RecordAsync([t.Alerts[0]]);
        var gate = new NotificationGate([], [PowerInhibitsHot]);

        await gate.SeedFiringAsync(history);

        Assert.Equal("inhibited by power on d1", Decide(gate, t.Alerts[1])); // hot's Fired: power still fires
    }

    [Fact]
    public async Task A_source_below_the_inhibitions_severity_is_seeded_but_does_not_inhibit()
    {
        var t = Rules(Severity.Error);
        t.Send("power", (0, 0));             // power fires at error before the restart
        t.Send("temperature", (10, 85));     // hot fires after it
        var history = new MemoryAlertHistory();
        await history.RecordAsync([t.Alerts[0]]);
        var gate = new NotificationGate([], [PowerInhibitsHot]);

        await gate.SeedFiringAsync(history);

        Assert.Equal("sent", Decide(gate, t.Alerts[1])); // error is below the critical the inhibition asks for
    }

    [Fact]
    public async Task A_source_the_gate_saw_resolve_is_not_revived_by_a_history_that_lags_the_sinks()
    {
        var t = Rules();
        t.Send("power", (0, 0), (5, 5));     // power fires, then resolves
        t.Send("temperature", (10, 85));     // hot fires after the resolve
        var history = new MemoryAlertHistory();
        await history.RecordAsync([t.Alerts[0]]); // the history has the Fired, not yet the Resolved
        var gate = new NotificationGate([], []);
        Assert.Equal("sent", Decide(gate, t.Alerts[0]));  // power's Fired passes the gate
        Assert.Equal("sent", Decide(gate, t.Alerts[1]));  // power's Resolved passes the gate
        gate.SetInhibitions([PowerInhibitsHot]);          // a rule replacement brings the inhibition

        await gate.SeedFiringAsync(history);

        Assert.Equal("sent", Decide(gate, t.Alerts[2]));  // hot's Fired: the gate knows power resolved
    }

    [Fact]
    public async Task New_inhibitions_are_seeded_again_and_unchanged_ones_do_not_ask_the_history_again()
    {
        var t = Rules();
        t.Send("power", (0, 0));             // power fires before the restart
        t.Send("temperature", (10, 85));     // hot fires after it
        var history = new CountingHistory();
        await history.RecordAsync([t.Alerts[0]]);
        var gate = new NotificationGate([], []);

        await gate.SeedFiringAsync(history);   // no inhibitions: nothing to seed, the history is not asked
        await gate.SeedFiringAsync(history);
        Assert.Equal(0, history.Queries);
        gate.SetInhibitions([PowerInhibitsHot]);
        await gate.SeedFiringAsync(history);   // the new inhibitions are seeded: one query
        await gate.SeedFiringAsync(history);   // seeded already: no query
        Assert.Equal(1, history.Queries);

        Assert.Equal("inhibited by power on d1", Decide(gate, t.Alerts[1])); // hot's Fired
    }

    [Fact]
    public async Task Beyond_the_bound_only_the_newest_firing_episodes_are_seeded()
    {
        var t = Rules();
        t.Send("power", (0, 0));             // power fires first on d1
        t.Send("temperature", (5, 85));      // hot fires on d1 after it: the newest firing episode
        var hotLater = t.Alerts[1] with { Id = "later", Data = t.Alerts[1].Data with { EpisodeId = "e-later" } };
        var history = new MemoryAlertHistory();
        await history.RecordAsync([t.Alerts[0], t.Alerts[1]]);
        var gate = new NotificationGate([], [PowerInhibitsHot], new NotificationGateOptions { MaxSeededFiring = 1 });

        await gate.SeedFiringAsync(history);

        Assert.Equal("sent", Decide(gate, hotLater)); // power is older than the one episode read: not seeded
    }

    [Fact]
    public void A_bound_below_one_is_an_error_naming_it()
    {
        var ex = Assert.Throws<ArgumentException>(() => new NotificationGate([], [], new NotificationGateOptions { MaxSeededFiring = 0 }));

        Assert.Contains("MaxSeededFiring must be at least 1, got 0.", ex.Message, StringComparison.Ordinal);
    }

    private sealed class CountingHistory : IAlertHistory
    {
        private readonly MemoryAlertHistory _inner = new();

        public int Queries { get; private set; }

        public Task RecordAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default) => _inner.RecordAsync(alerts, cancellationToken);

        public Task<IReadOnlyList<AlertEvent>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default)
        {
            Queries++;
            return _inner.QueryAsync(query, cancellationToken);
        }

        public Task<AlertEvent?> FindFiredAsync(string episodeId, DateTimeOffset startsAt, CancellationToken cancellationToken = default) =>
            _inner.FindFiredAsync(episodeId, startsAt, cancellationToken);

        public Task<int> PurgeAsync(DateTimeOffset transitionsOlderThan, DateTimeOffset closedEpisodesOlderThan, CancellationToken cancellationToken = default) =>
            _inner.PurgeAsync(transitionsOlderThan, closedEpisodesOlderThan, cancellationToken);
    }
}
