using Pipeline.Core.Alerts;
using static Pipeline.Conformance.AlertSamples;

namespace Pipeline.Conformance;

/// <summary>The <see cref="IAlertHistory"/> contract. Derive once per implementation.</summary>
public abstract class AlertHistoryConformance
{
    private static readonly DateTimeOffset T0 = TestData.T0;

    /// <summary>A new, empty history.</summary>
    protected abstract Task<IAlertHistory> CreateHistoryAsync();

    private static Task<IReadOnlyList<AlertEvent>> All(IAlertHistory history) => history.QueryAsync(new AlertQuery(false, null));

    private static Task<IReadOnlyList<AlertEvent>> Firing(IAlertHistory history) => history.QueryAsync(new AlertQuery(true, null));

    [ConformanceFact]
    public async Task An_empty_history_returns_nothing()
    {
        var history = await CreateHistoryAsync();

        Assert.Empty(await All(history));
        Assert.Empty(await Firing(history));
    }

    [ConformanceFact]
    public async Task Transitions_come_back_newest_first_with_their_fields()
    {
        var history = await CreateHistoryAsync();
        await history.RecordAsync(
        [
            Alert("a1", "ep-a", AlertTransitionKind.Fired, 1, T0),
            Alert("b1", "ep-b", AlertTransitionKind.Fired, 1, T0.AddMinutes(5), key: "pump-2"),
            Alert("a2", "ep-a", AlertTransitionKind.Resolved, 2, T0.AddMinutes(3)),
        ]);

        var all = await All(history);

        Assert.Equal(["b1", "a2", "a1"], all.Select(a => a.Id));
        var b1 = all[0];
        Assert.Equal("/pipeline/test/rules/overheat", b1.Source);
        Assert.Equal("Pipeline.Alert.Fired", b1.Type);
        Assert.Equal("devices/pump-2/rules/overheat", b1.Subject);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 12, 5, 0, TimeSpan.Zero), b1.Time);
        Assert.Equal("ep-b", b1.Data.EpisodeId);
        Assert.Equal("pump-2", b1.Data.Key);
        Assert.Equal(81.5, b1.Data.Value);
        Assert.Equal(AlertStatus.Firing, b1.Data.Status);
        Assert.Equal("plant-7", b1.Data.Labels["site"]);
        Assert.Equal(new AlertEvidence(12, 101, 112, "0"), b1.Data.Evidence);
    }

    [ConformanceFact]
    public async Task Recording_an_id_again_changes_nothing()
    {
        var history = await CreateHistoryAsync();
        await history.RecordAsync([Alert("a1", "ep-a", AlertTransitionKind.Fired, 1, T0, value: 81.5)]);

        await history.RecordAsync([Alert("a1", "ep-a", AlertTransitionKind.Fired, 1, T0, value: 99)]);
        await history.RecordAsync([Alert("a1", "ep-a", AlertTransitionKind.Fired, 1, T0, value: 81.5)]);

        var stored = Assert.Single(await All(history));
        Assert.Equal(81.5, stored.Data.Value);
        Assert.Equal(81.5, Assert.Single(await Firing(history)).Data.Value);
    }

    [ConformanceFact]
    public async Task FiringOnly_returns_the_latest_transition_of_each_open_episode()
    {
        var history = await CreateHistoryAsync();
        await history.RecordAsync(
        [
            Alert("a1", "ep-resolved", AlertTransitionKind.Fired, 1, T0),
            Alert("a2", "ep-resolved", AlertTransitionKind.Resolved, 2, T0.AddMinutes(4)),
            Alert("b1", "ep-open", AlertTransitionKind.Fired, 1, T0.AddMinutes(1), key: "pump-2"),
            Alert("c1", "ep-escalated", AlertTransitionKind.Fired, 1, T0.AddMinutes(2), key: "fan-3"),
            Alert("c2", "ep-escalated", AlertTransitionKind.Escalated, 2, T0.AddMinutes(3), key: "fan-3"),
        ]);

        var firing = await Firing(history);

        Assert.Equal(["c2", "b1"], firing.Select(a => a.Id));
        Assert.Equal(Severity.Critical, firing[0].Data.Severity);
    }

    [ConformanceFact]
    public async Task FiringOnly_follows_episodes_across_separate_recordings()
    {
        var history = await CreateHistoryAsync();
        await history.RecordAsync([Alert("a1", "ep-a", AlertTransitionKind.Fired, 1, T0)]);
        Assert.Equal(["a1"], (await Firing(history)).Select(a => a.Id));

        await history.RecordAsync([Alert("a2", "ep-a", AlertTransitionKind.Amended, 2, T0.AddMinutes(1), value: 83)]);
        Assert.Equal(["a2"], (await Firing(history)).Select(a => a.Id));

        await history.RecordAsync([Alert("a3", "ep-a", AlertTransitionKind.Resolved, 3, T0.AddMinutes(2))]);
        Assert.Empty(await Firing(history));
        Assert.Equal(["a3", "a2", "a1"], (await All(history)).Select(a => a.Id));
    }

    [ConformanceFact]
    public async Task An_episode_resolved_before_its_older_transitions_arrive_stays_resolved()
    {
        var history = await CreateHistoryAsync();
        await history.RecordAsync([Alert("a3", "ep-a", AlertTransitionKind.Resolved, 3, T0.AddMinutes(2))]);

        // A retried older batch records the earlier transitions afterwards.
        await history.RecordAsync(
        [
            Alert("a1", "ep-a", AlertTransitionKind.Fired, 1, T0),
            Alert("a2", "ep-a", AlertTransitionKind.Escalated, 2, T0.AddMinutes(1)),
        ]);

        Assert.Empty(await Firing(history));
        Assert.Equal(3, (await All(history)).Count);
    }

    [ConformanceFact]
    public async Task An_older_transition_recorded_late_does_not_replace_the_latest()
    {
        var history = await CreateHistoryAsync();
        await history.RecordAsync([Alert("a2", "ep-a", AlertTransitionKind.Escalated, 2, T0.AddMinutes(1))]);

        await history.RecordAsync([Alert("a1", "ep-a", AlertTransitionKind.Fired, 1, T0)]);

        Assert.Equal(["a2"], (await Firing(history)).Select(a => a.Id));
    }

    [ConformanceFact]
    public async Task Since_keeps_transitions_at_or_after_it()
    {
        var history = await CreateHistoryAsync();
        await history.RecordAsync(
        [
            Alert("old", "ep-old", AlertTransitionKind.Fired, 1, T0.AddDays(-2)),
            Alert("before", "ep-a", AlertTransitionKind.Fired, 1, T0.AddTicks(-1)),
            Alert("at", "ep-b", AlertTransitionKind.Fired, 1, T0),
            Alert("after", "ep-c", AlertTransitionKind.Fired, 1, T0.AddDays(1)),
        ]);

        var since = await history.QueryAsync(new AlertQuery(false, T0));
        var firingSince = await history.QueryAsync(new AlertQuery(true, T0.AddTicks(1)));

        Assert.Equal(["after", "at"], since.Select(a => a.Id));
        Assert.Equal(["after"], firingSince.Select(a => a.Id));
    }

    [ConformanceFact]
    public async Task Max_keeps_the_newest()
    {
        var history = await CreateHistoryAsync();
        var alerts = Enumerable.Range(0, 12)
            .Select(i => Alert($"e{i:D2}", $"ep-{i:D2}", AlertTransitionKind.Fired, 1, T0.AddHours(i * 5)))
            .ToArray();
        await history.RecordAsync(alerts);

        var newest = await history.QueryAsync(new AlertQuery(false, null, Max: 3));
        var newestFiring = await history.QueryAsync(new AlertQuery(true, null, Max: 2));

        Assert.Equal(["e11", "e10", "e09"], newest.Select(a => a.Id));
        Assert.Equal(["e11", "e10"], newestFiring.Select(a => a.Id));
        Assert.Equal(12, (await All(history)).Count);
    }

    [ConformanceFact]
    public async Task Purge_removes_old_transitions_and_old_closed_episodes_but_never_a_firing_one()
    {
        var history = await CreateHistoryAsync();
        await history.RecordAsync(
        [
            Alert("a1", "ep-a", AlertTransitionKind.Fired, 1, T0.AddDays(-3)),    // old transition
            Alert("a2", "ep-a", AlertTransitionKind.Resolved, 2, T0.AddDays(-2)), // old transition; closes ep-a two days ago
            Alert("b1", "ep-b", AlertTransitionKind.Fired, 1, T0.AddDays(-3)),    // old transition of an episode still firing
            Alert("c1", "ep-c", AlertTransitionKind.Fired, 1, T0.AddHours(-1)),   // recent
        ]);

        // Transitions before T0-1d go (a1, a2, b1); closed episodes are kept for 10 days, so ep-a's record stays.
        Assert.Equal(3, await history.PurgeAsync(T0.AddDays(-1), T0.AddDays(-10)));

        Assert.Equal(["c1"], (await All(history)).Select(a => a.Id));
        Assert.Equal(["c1", "b1"], (await Firing(history)).Select(a => a.Id)); // b1 still fires, whatever its age

        // ep-a's closed record still stops a retried, older transition from reopening it.
        await history.RecordAsync([Alert("a1", "ep-a", AlertTransitionKind.Fired, 1, T0.AddDays(-3))]);
        Assert.Equal(["c1", "b1"], (await Firing(history)).Select(a => a.Id));

        // With the closed-episode retention at one day, ep-a's record goes too (and the re-recorded a1 with it).
        Assert.Equal(2, await history.PurgeAsync(T0.AddDays(-1), T0.AddDays(-1)));
        Assert.Equal(["c1"], (await All(history)).Select(a => a.Id));
        Assert.Equal(0, await history.PurgeAsync(T0.AddDays(-1), T0.AddDays(-1)));
    }

    [ConformanceFact]
    public async Task The_fired_transition_of_an_episode_is_found_by_its_episode_and_start_with_its_suppression()
    {
        var history = await CreateHistoryAsync();
        var fired = Alert("a1", "ep-a", AlertTransitionKind.Fired, 1, T0);
        await history.RecordAsync(
        [
            fired with { Data = fired.Data with { SuppressedBy = "silence s1" } },
            Alert("a2", "ep-a", AlertTransitionKind.Resolved, 2, T0.AddMinutes(3)),
            Alert("b1", "ep-b", AlertTransitionKind.Fired, 1, T0),                // another episode at the same instant
            Alert("c2", "ep-c", AlertTransitionKind.Escalated, 2, T0.AddMinutes(1)), // an episode whose Fired was never recorded
        ]);

        var found = await history.FindFiredAsync("ep-a", T0);

        Assert.Equal(("a1", "silence s1"), (found?.Id, found?.Data.SuppressedBy));
        Assert.Equal(("b1", null), ((await history.FindFiredAsync("ep-b", T0))?.Id, (await history.FindFiredAsync("ep-b", T0))?.Data.SuppressedBy));
        Assert.Null(await history.FindFiredAsync("ep-c", T0.AddMinutes(1)));
        Assert.Null(await history.FindFiredAsync("ep-z", T0));
        Assert.Null(await history.FindFiredAsync("ep-a", T0.AddSeconds(1)));   // not the episode's start
    }

    [ConformanceFact]
    public async Task A_fired_transition_removed_by_retention_is_no_longer_found()
    {
        var history = await CreateHistoryAsync();
        await history.RecordAsync([Alert("a1", "ep-a", AlertTransitionKind.Fired, 1, T0), Alert("b1", "ep-b", AlertTransitionKind.Fired, 1, T0.AddDays(2))]);

        await history.PurgeAsync(T0.AddDays(1), T0.AddDays(1));

        Assert.Null(await history.FindFiredAsync("ep-a", T0));
        Assert.Equal("b1", (await history.FindFiredAsync("ep-b", T0.AddDays(2)))?.Id);
    }
}
