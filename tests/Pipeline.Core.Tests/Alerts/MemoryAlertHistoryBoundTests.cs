using Pipeline.Conformance;
using Pipeline.Core.Alerts;

namespace Pipeline.Core.Tests.Alerts;

/// <summary>
/// An in-process run's alert history (the dashboard's) is kept by count, so an endless run with many alerts keeps flat
/// memory: the soak bench showed the heap growing by about 1 KB per delivered alert when every transition was kept.
/// </summary>
public sealed class MemoryAlertHistoryBoundTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_bounded_history_keeps_the_newest_transitions_and_every_firing_episode()
    {
        var history = new MemoryAlertHistory(maxTransitions: 4);

        await history.RecordAsync(
        [
            AlertSamples.Alert("a1", "ep-a", AlertTransitionKind.Fired, 1, T0),              // ep-a fires and stays firing
            AlertSamples.Alert("b1", "ep-b", AlertTransitionKind.Fired, 1, T0.AddSeconds(1)),
            AlertSamples.Alert("b2", "ep-b", AlertTransitionKind.Resolved, 2, T0.AddSeconds(2)),
            AlertSamples.Alert("c1", "ep-c", AlertTransitionKind.Fired, 1, T0.AddSeconds(3)),
            AlertSamples.Alert("c2", "ep-c", AlertTransitionKind.Resolved, 2, T0.AddSeconds(4)), // a1 is the oldest: dropped
            AlertSamples.Alert("d1", "ep-d", AlertTransitionKind.Fired, 1, T0.AddSeconds(5)),    // b1 dropped
        ]);

        var all = await history.QueryAsync(new AlertQuery(FiringOnly: false, Since: null, Max: 100));
        var firing = await history.QueryAsync(new AlertQuery(FiringOnly: true, Since: null, Max: 100));

        Assert.Equal(4, history.Count);
        Assert.Equal(["d1", "c2", "c1", "b2"], all.Select(a => a.Id));
        Assert.Equal(["d1", "a1"], firing.Select(a => a.Id)); // ep-a still fires although its transition left the list
    }

    [Fact]
    public async Task A_firing_episode_whose_transition_left_the_list_still_resolves()
    {
        var history = new MemoryAlertHistory(maxTransitions: 2);
        await history.RecordAsync(
        [
            AlertSamples.Alert("a1", "ep-a", AlertTransitionKind.Fired, 1, T0),
            AlertSamples.Alert("b1", "ep-b", AlertTransitionKind.Fired, 1, T0.AddSeconds(1)),
            AlertSamples.Alert("c1", "ep-c", AlertTransitionKind.Fired, 1, T0.AddSeconds(2)), // a1 leaves the list
        ]);

        // ep-a resolves later: the episode's record moves on, and it no longer fires.
        await history.RecordAsync([AlertSamples.Alert("a2", "ep-a", AlertTransitionKind.Resolved, 2, T0.AddSeconds(3))]);

        var firing = await history.QueryAsync(new AlertQuery(FiringOnly: true, Since: null, Max: 100));
        Assert.Equal(["c1", "b1"], firing.Select(a => a.Id));
        Assert.Equal(2, history.Count);
    }

    [Fact]
    public void The_bound_must_be_positive()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryAlertHistory(maxTransitions: 0));
        Assert.Equal("maxTransitions", error.ParamName);
    }
}
