using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;
using Pipeline.Core.Rules;

namespace Pipeline.Core.Detectors;

/// <summary>
/// No data: fires at <c>last event time + timeout</c> once the key's time passes it (the key's time advances on
/// processing time while the device is silent), resolves at the next event. Any metric counts as a sign of life.
/// </summary>
internal sealed class HeartbeatDetector(Rule rule, int index, HeartbeatDetectorSpec spec) : RuleRuntime(rule, index)
{
    public override string DescribeCondition() => $"no data for {spec.Timeout}";

    public override RuleState NewState(KeyState key) => new State { LastSeenTicks = key.MaxEventTicks == long.MinValue ? long.MinValue : key.MaxEventTicks };

    public override RuleState ReadState(BinaryReader r)
    {
        var s = new State { LastSeenTicks = r.ReadInt64(), LastSequence = r.ReadInt64(), Partition = r.ReadString() };
        s.ReadBase(r);
        return s;
    }

    public override void OnEvent(ApplyContext ctx, RuleState state, Telemetry e)
    {
        var s = (State)state;
        var ticks = e.Timestamp.UtcTicks;
        if (ticks >= s.LastSeenTicks)
        {
            s.LastSeenTicks = ticks;
            s.LastSequence = e.Source.SequenceNumber;
            s.Partition = e.Source.Partition;
        }

        var evaluation = new Evaluation(ticks, Signal.Clear, Rule.Severity, TimeSpan.Zero.TotalSeconds, "data received after silence", spec.Timeout.TotalSeconds,
            "rule", null, Evidence(e));
        ctx.Observe(this, s, evaluation, Timing);
    }

    public override void AdvanceTo(ApplyContext ctx, RuleState state, long ticks)
    {
        var s = (State)state;
        var deadline = Deadline(s);
        if (deadline != long.MaxValue && ticks >= deadline && s.Alert.Status != AlertStatus.Firing)
        {
            var evaluation = new Evaluation(deadline, Signal.Fire, Rule.Severity, spec.Timeout.TotalSeconds, DescribeCondition(), spec.Timeout.TotalSeconds,
                "rule", null, new AlertEvidence(0, s.LastSequence, s.LastSequence, s.Partition));
            ctx.Observe(this, s, evaluation, Timing);
        }

        base.AdvanceTo(ctx, state, ticks);
    }

    public override long NextDeadline(RuleState state)
    {
        var s = (State)state;
        var own = s.Alert.Status == AlertStatus.Firing ? long.MaxValue : Deadline(s);
        return Math.Min(own, base.NextDeadline(state));
    }

    // While pending (a `for` on top of the timeout) the next deadline is the end of the `for`.
    private long Deadline(State s) => s.Alert.Status == AlertStatus.Pending
        ? s.Alert.EpisodeStartTicks + Rule.For.Ticks
        : s.LastSeenTicks == long.MinValue ? long.MaxValue : s.LastSeenTicks + spec.Timeout.Ticks;

    internal sealed class State : RuleState
    {
        public long LastSeenTicks { get; set; } = long.MinValue;
        public long LastSequence { get; set; } = -1;
        public string Partition { get; set; } = string.Empty;

        public override void Write(BinaryWriter w)
        {
            w.Write(LastSeenTicks);
            w.Write(LastSequence);
            w.Write(Partition);
            base.Write(w);
        }
    }
}
