using Pipeline.Core.Alerts;

namespace Pipeline.Core.Tests.Alerts;

public sealed class AlertLifecycleTests
{
    private static readonly AlertEvidence NoEvidence = new(1, 1, 1, "0");

    private sealed class Recorder : ITransitionObserver
    {
        public List<(AlertTransitionKind Kind, long Ticks, AlertStatus Status, Severity Severity, long Sequence)> Seen { get; } = [];

        public void OnTransition(AlertLifecycle lifecycle, AlertTransitionKind kind, long ticks, in Evaluation evaluation) =>
            Seen.Add((kind, ticks, lifecycle.Status, lifecycle.Severity, lifecycle.Sequence));
    }

    private static Evaluation E(long ticks, Signal signal, Severity severity = Severity.Warning) =>
        new(ticks, signal, severity, 1, "x > 0", 0, "rule", null, NoEvidence);

    [Fact]
    public void Fire_with_for_goes_through_pending_and_publishes_only_fired()
    {
        var a = new AlertLifecycle();
        var r = new Recorder();
        var timing = new AlertTiming(TimeSpan.FromTicks(100), TimeSpan.Zero);

        a.Observe(E(0, Signal.Fire), timing, "rule", "key", r);
        Assert.Equal(AlertStatus.Pending, a.Status);
        Assert.Empty(r.Seen); // Pending is internal, not a published transition

        a.Observe(E(99, Signal.Fire), timing, "rule", "key", r);
        Assert.Equal(AlertStatus.Pending, a.Status);

        a.Observe(E(100, Signal.Fire), timing, "rule", "key", r);
        Assert.Equal([(AlertTransitionKind.Fired, 100L, AlertStatus.Firing, Severity.Warning, 1L)], r.Seen);
    }

    [Fact]
    public void Hold_keeps_firing_and_cancels_a_running_keepFiringFor()
    {
        var a = new AlertLifecycle();
        var r = new Recorder();
        var timing = new AlertTiming(TimeSpan.Zero, TimeSpan.FromTicks(50));

        a.Observe(E(0, Signal.Fire), timing, "rule", "key", r);
        a.Observe(E(10, Signal.Clear), timing, "rule", "key", r); // keepFiringFor runs from 10
        a.Observe(E(20, Signal.Hold), timing, "rule", "key", r);  // back in the band: not clear any more
        a.AdvanceTo(70, timing, r);
        Assert.Equal(AlertStatus.Firing, a.Status);

        a.Observe(E(80, Signal.Clear), timing, "rule", "key", r); // clear again from 80
        a.AdvanceTo(129, timing, r);
        Assert.Equal(AlertStatus.Firing, a.Status);
        a.AdvanceTo(130, timing, r);

        Assert.Equal(
        [
            (AlertTransitionKind.Fired, 0L, AlertStatus.Firing, Severity.Warning, 1L),
            (AlertTransitionKind.Resolved, 130L, AlertStatus.Resolved, Severity.Warning, 2L),
        ], r.Seen);
    }

    [Fact]
    public void Episode_ids_are_deterministic_and_new_per_episode()
    {
        string? Run(long start)
        {
            var a = new AlertLifecycle();
            a.Observe(E(start, Signal.Fire), default, "rule", "key", new Recorder());
            return a.EpisodeId;
        }

        Assert.Equal(Run(5), Run(5));
        Assert.NotEqual(Run(5), Run(6));
    }

    [Fact]
    public void Amend_only_applies_to_a_firing_alert_and_its_deciding_window()
    {
        var window = new Pipeline.Core.Time.TimeInterval(new DateTimeOffset(0, TimeSpan.Zero), new DateTimeOffset(60, TimeSpan.Zero));
        var other = new Pipeline.Core.Time.TimeInterval(new DateTimeOffset(60, TimeSpan.Zero), new DateTimeOffset(120, TimeSpan.Zero));
        var a = new AlertLifecycle();
        var r = new Recorder();

        a.Amend(E(60, Signal.Fire) with { Window = window, Value = 5 }, r); // not firing: ignored
        a.Observe(E(60, Signal.Fire) with { Window = window, Value = 1 }, default, "rule", "key", r);
        a.Amend(E(60, Signal.Fire) with { Window = other, Value = 5 }, r);  // another window: ignored
        a.Amend(E(60, Signal.Fire) with { Window = window, Value = 1 }, r); // same value: nothing to amend
        a.Amend(E(60, Signal.Fire) with { Window = window, Value = 7 }, r);

        Assert.Equal([AlertTransitionKind.Fired, AlertTransitionKind.Amended], r.Seen.Select(s => s.Kind));
        Assert.Equal(7, a.LastValue);
    }
}
