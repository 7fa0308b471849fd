using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;

namespace Pipeline.Core.Rules.Kinds;

/// <summary>
/// No data: fires at <c>last event time + timeout</c> once the key's time passes it (the key's time advances on
/// processing time while the device is silent), resolves at the next event. Any metric counts as a sign of life.
/// </summary>
internal sealed class HeartbeatDetector(Rule rule, int index, HeartbeatDetectorSpec spec) : RuleRuntime(rule, index)
{
    private readonly HashSet<string> _expected = new(spec.Expected, StringComparer.Ordinal);

    public override IReadOnlyList<string> ExpectedKeys => spec.Expected;

    public override string DescribeCondition() => $"no data for {spec.Timeout}";

    /// <summary>Devices named in <c>expected</c> are watched even though their labels are unknown until they report.</summary>
    public override bool Matches(string key, IReadOnlyDictionary<string, string> labels) => _expected.Contains(key) || base.Matches(key, labels);

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

        if (s.Alert.IsQuiet)
        {
            return; // data while not alerting: nothing to resolve
        }

        var (severity, timing, source) = Resolve(ctx.State.Key, ctx.State.Labels);
        var evaluation = new Evaluation(ticks, Signal.Clear, severity, TimeSpan.Zero.TotalSeconds, "data received after silence", spec.Timeout.TotalSeconds,
            source, null, Evidence(e));
        ctx.Observe(this, s, evaluation, timing);
    }

    public override void AdvanceTo(ApplyContext ctx, RuleState state, long ticks)
    {
        var s = (State)state;
        var deadline = Deadline(s);
        if (deadline != long.MaxValue && ticks >= deadline && s.Alert.Status is AlertStatus.Inactive or AlertStatus.Resolved)
        {
            var (severity, timing, source) = Resolve(ctx.State.Key, ctx.State.Labels);
            var evaluation = new Evaluation(deadline, Signal.Fire, severity, spec.Timeout.TotalSeconds, DescribeCondition(), spec.Timeout.TotalSeconds,
                source, null, new AlertEvidence(0, s.LastSequence, s.LastSequence, s.Partition));
            ctx.Observe(this, s, evaluation, timing);
        }

        base.AdvanceTo(ctx, state, ticks);
    }

    public override long NextDeadline(RuleState state)
    {
        var s = (State)state;
        var own = s.Alert.Status is AlertStatus.Inactive or AlertStatus.Resolved ? Deadline(s) : long.MaxValue;
        return Math.Min(own, base.NextDeadline(state));
    }

    // While pending (a `for` on top of the timeout) the lifecycle's own deadline completes it.
    private long Deadline(State s) => s.Alert.Status == AlertStatus.Pending || s.LastSeenTicks == long.MinValue
        ? long.MaxValue
        : s.LastSeenTicks + spec.Timeout.Ticks;

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
