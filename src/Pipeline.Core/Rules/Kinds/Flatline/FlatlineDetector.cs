using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

/// <summary>
/// A stuck sensor: the metric stays within ±<c>tolerance</c> of the value that started the run for at least
/// <c>duration</c>. Any value outside the band starts a new run and clears the alert.
/// </summary>
internal sealed class FlatlineDetector(Rule rule, int index, FlatlineDetectorSpec spec) : MetricDetectorRuntime<FlatlineDetector.State>(rule, index)
{
    public override string DescribeCondition() => $"{Metric} within ±{Number(spec.Tolerance)} for >= {spec.Duration}";

    protected override (Signal? Signal, double Score, double Threshold) Score(State s, long ticks, double value)
    {
        if (!s.Started || Math.Abs(value - s.Anchor) > spec.Tolerance)
        {
            s.Started = true;
            s.Anchor = value;
            s.RunStartTicks = ticks;
        }

        var seconds = TimeSpan.FromTicks(ticks - s.RunStartTicks).TotalSeconds;
        var signal = ticks - s.RunStartTicks >= spec.Duration.Ticks ? Signal.Fire : Signal.Clear;
        return (signal, seconds, spec.Duration.TotalSeconds);
    }

    protected override void ReadDetector(State s, BinaryReader r)
    {
        s.Started = r.ReadBoolean();
        s.Anchor = r.ReadDouble();
        s.RunStartTicks = r.ReadInt64();
    }

    internal sealed class State : RuleState
    {
        public bool Started { get; set; }
        public double Anchor { get; set; }
        public long RunStartTicks { get; set; }

        public override void Write(BinaryWriter w)
        {
            w.Write(Started);
            w.Write(Anchor);
            w.Write(RunStartTicks);
            base.Write(w);
        }
    }
}
