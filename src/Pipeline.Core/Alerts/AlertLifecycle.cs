using Pipeline.Core.Time;

namespace Pipeline.Core.Alerts;

/// <summary>What one evaluation of a rule says about its condition.</summary>
public enum Signal
{
    /// <summary>The fire condition holds.</summary>
    Fire,

    /// <summary>Between the fire and clear conditions (hysteresis band): keep the current status.</summary>
    Hold,

    /// <summary>The clear condition holds.</summary>
    Clear,
}

/// <summary>One evaluation of a rule for a key at an event time.</summary>
public readonly record struct Evaluation(
    long Ticks,
    Signal Signal,
    Severity Severity,
    double? Value,
    string Condition,
    double? Threshold,
    string ConditionSource,
    TimeInterval? Window,
    AlertEvidence Evidence,
    bool Late = false,
    TimeInterval? Replaces = null);

/// <summary>Receives the transitions a lifecycle makes (to turn them into CloudEvents).</summary>
public interface ITransitionObserver
{
    void OnTransition(AlertLifecycle lifecycle, AlertTransitionKind kind, long ticks, in Evaluation evaluation);
}

/// <summary>
/// The alert state machine of one (rule, key): Inactive → Pending (<c>for</c>) → Firing → (<c>keepFiringFor</c>)
/// → Resolved, with Escalated/Deescalated while firing and Amended when a late event changes a deciding window.
/// Every method guards the statuses it may move from; only published transitions reach the observer.
/// </summary>
public sealed class AlertLifecycle
{
    private const long None = long.MinValue;

    public AlertStatus Status { get; private set; } = AlertStatus.Inactive;

    public Severity Severity { get; private set; }

    /// <summary>Transitions published so far for this (rule, key), across episodes.</summary>
    public long Sequence { get; private set; }

    public string? EpisodeId { get; private set; }

    /// <summary>Event time the fire condition first held in this episode (the episode id hashes it).</summary>
    public long EpisodeStartTicks { get; private set; } = None;

    /// <summary>Event time the alert fired (startsAt).</summary>
    public long FiredTicks { get; private set; } = None;

    /// <summary>Event time the clear condition started holding while firing (keepFiringFor runs from it).</summary>
    public long ClearSinceTicks { get; private set; } = None;

    public double? LastValue { get; private set; }

    /// <summary>The window whose value decided the latest fire/escalation (a late event there amends the alert).</summary>
    public TimeInterval? DecidingWindow { get; private set; }

    /// <summary>True while nothing is pending or firing: then only a <see cref="Signal.Fire"/> can change anything.</summary>
    public bool IsQuiet => Status is AlertStatus.Inactive or AlertStatus.Resolved;

    /// <summary>Applies one evaluation. <paramref name="ruleId"/> and <paramref name="key"/> name the episode.</summary>
    public void Observe(in Evaluation e, AlertTiming timing, string ruleId, string key, ITransitionObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        switch (Status, e.Signal)
        {
            case (AlertStatus.Inactive or AlertStatus.Resolved, Signal.Fire):
                EpisodeStartTicks = e.Ticks;
                EpisodeId = Hashing.StableId("episode", ruleId, key, e.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Status = AlertStatus.Pending;
                Severity = e.Severity;
                ClearSinceTicks = None;
                LastValue = e.Value;
                if (timing.For <= TimeSpan.Zero)
                {
                    Fire(e, observer);
                }

                break;

            case (AlertStatus.Pending, Signal.Fire):
                LastValue = e.Value;
                Severity = e.Severity;
                if (e.Ticks - EpisodeStartTicks >= timing.For.Ticks)
                {
                    Fire(e, observer);
                }

                break;

            case (AlertStatus.Pending, Signal.Hold or Signal.Clear):
                // The condition must hold for the whole `for`; a pending alert that stops holding never fired.
                Status = AlertStatus.Inactive;
                EpisodeId = null;
                EpisodeStartTicks = None;
                break;

            case (AlertStatus.Firing, Signal.Fire):
                ClearSinceTicks = None;
                LastValue = e.Value;
                if (e.Severity != Severity)
                {
                    var kind = e.Severity > Severity ? AlertTransitionKind.Escalated : AlertTransitionKind.Deescalated;
                    Severity = e.Severity;
                    DecidingWindow = e.Window;
                    Emit(kind, e.Ticks, e, observer);
                }

                break;

            case (AlertStatus.Firing, Signal.Hold):
                ClearSinceTicks = None;
                break;

            case (AlertStatus.Firing, Signal.Clear):
                LastValue = e.Value;
                if (ClearSinceTicks == None)
                {
                    ClearSinceTicks = e.Ticks;
                }

                if (e.Ticks - ClearSinceTicks >= timing.KeepFiringFor.Ticks)
                {
                    Resolve(ClearSinceTicks + timing.KeepFiringFor.Ticks, e, observer);
                }

                break;

            default:
                break; // Inactive/Resolved with Hold or Clear: nothing to do.
        }
    }

    /// <summary>
    /// Event time reached <paramref name="ticks"/> without a new evaluation: completes a <c>for</c> whose condition
    /// nothing contradicted (the key's time moves on even while it is silent), and ends keepFiringFor when due.
    /// </summary>
    public void AdvanceTo(long ticks, AlertTiming timing, ITransitionObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (Status == AlertStatus.Pending && ticks - EpisodeStartTicks >= timing.For.Ticks)
        {
            var at = EpisodeStartTicks + timing.For.Ticks;
            Fire(new Evaluation(at, Signal.Fire, Severity, LastValue, string.Empty, null, string.Empty, null, new AlertEvidence(0, -1, -1, string.Empty)), observer);
            return;
        }

        if (Status == AlertStatus.Firing && ClearSinceTicks != None && ticks - ClearSinceTicks >= timing.KeepFiringFor.Ticks)
        {
            var at = ClearSinceTicks + timing.KeepFiringFor.Ticks;
            var e = new Evaluation(at, Signal.Clear, Severity, LastValue, string.Empty, null, string.Empty, null, new AlertEvidence(0, -1, -1, string.Empty));
            Resolve(at, e, observer);
        }
    }

    /// <summary>The next event time at which <see cref="AdvanceTo"/> would act, or <see cref="long.MaxValue"/>.</summary>
    public long NextDeadline(AlertTiming timing) => Status switch
    {
        AlertStatus.Pending => EpisodeStartTicks + timing.For.Ticks,
        AlertStatus.Firing when ClearSinceTicks != None => ClearSinceTicks + timing.KeepFiringFor.Ticks,
        _ => long.MaxValue,
    };

    /// <summary>A late event changed the value of the window that decided this firing alert.</summary>
    public void Amend(in Evaluation e, ITransitionObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        // A session that a late event grew is still the window that decided: it was `Replaces` before.
        if (Status != AlertStatus.Firing || (DecidingWindow != e.Window && (e.Replaces is null || DecidingWindow != e.Replaces)))
        {
            return;
        }

        DecidingWindow = e.Window;
        if (LastValue == e.Value)
        {
            return;
        }

        LastValue = e.Value;
        Emit(AlertTransitionKind.Amended, e.Ticks, e, observer);
    }

    private void Fire(in Evaluation e, ITransitionObserver observer)
    {
        Status = AlertStatus.Firing;
        Severity = e.Severity;
        FiredTicks = e.Ticks;
        DecidingWindow = e.Window;
        Emit(AlertTransitionKind.Fired, e.Ticks, e, observer);
    }

    private void Resolve(long at, in Evaluation e, ITransitionObserver observer)
    {
        Status = AlertStatus.Resolved;
        ClearSinceTicks = None;
        Emit(AlertTransitionKind.Resolved, at, e, observer);
        DecidingWindow = null;
    }

    private void Emit(AlertTransitionKind kind, long ticks, in Evaluation e, ITransitionObserver observer)
    {
        Sequence = checked(Sequence + 1);
        observer.OnTransition(this, kind, ticks, e);
    }

    internal void Write(BinaryWriter w)
    {
        // Most (rule, key) pairs never alert: one byte says "untouched" instead of the full record.
        var untouched = Status == AlertStatus.Inactive && Sequence == 0 && EpisodeId is null && LastValue is null;
        w.Write(untouched);
        if (untouched)
        {
            return;
        }

        w.Write((byte)Status);
        w.Write((byte)Severity);
        w.Write(Sequence);
        w.Write(EpisodeId ?? string.Empty);
        w.Write(EpisodeStartTicks);
        w.Write(FiredTicks);
        w.Write(ClearSinceTicks);
        w.Write(LastValue.HasValue);
        w.Write(LastValue.GetValueOrDefault());
        w.Write(DecidingWindow.HasValue);
        w.Write(DecidingWindow?.Start.UtcTicks ?? 0);
        w.Write(DecidingWindow?.End.UtcTicks ?? 0);
    }

    internal static AlertLifecycle Read(BinaryReader r)
    {
        if (r.ReadBoolean())
        {
            return new AlertLifecycle();
        }

        var a = new AlertLifecycle
        {
            Status = (AlertStatus)r.ReadByte(),
            Severity = (Severity)r.ReadByte(),
            Sequence = r.ReadInt64(),
        };
        var episode = r.ReadString();
        a.EpisodeId = episode.Length == 0 ? null : episode;
        a.EpisodeStartTicks = r.ReadInt64();
        a.FiredTicks = r.ReadInt64();
        a.ClearSinceTicks = r.ReadInt64();
        var hasValue = r.ReadBoolean();
        var value = r.ReadDouble();
        a.LastValue = hasValue ? value : null;
        var hasWindow = r.ReadBoolean();
        var start = r.ReadInt64();
        var end = r.ReadInt64();
        a.DecidingWindow = hasWindow ? new TimeInterval(new DateTimeOffset(start, TimeSpan.Zero), new DateTimeOffset(end, TimeSpan.Zero)) : null;
        return a;
    }
}

/// <summary>The durations that shape a lifecycle: <c>for</c> and <c>keepFiringFor</c>.</summary>
public readonly record struct AlertTiming(TimeSpan For, TimeSpan KeepFiringFor);
