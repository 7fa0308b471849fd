using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

/// <summary>The metric changes faster than <c>maxPerSecond</c> (absolute units per second) between consecutive events.</summary>
internal sealed class RateOfChangeDetector(Rule rule, int index, RateOfChangeDetectorSpec spec) : MetricDetectorRuntime<RateOfChangeDetector.State>(rule, index)
{
    public override string DescribeCondition() => $"|d{Metric}/dt| > {Number(spec.MaxPerSecond)}/s";

    protected override (Signal? Signal, double Score, double Threshold) Score(State s, long ticks, double value)
    {
        Signal? signal = null;
        double rate = 0;
        if (s.HasPrevious && ticks > s.PreviousTicks)
        {
            rate = Math.Abs(value - s.PreviousValue) / TimeSpan.FromTicks(ticks - s.PreviousTicks).TotalSeconds;
            signal = rate > spec.MaxPerSecond ? Signal.Fire : Signal.Clear;
        }

        if (!s.HasPrevious || ticks > s.PreviousTicks)
        {
            s.HasPrevious = true;
            s.PreviousTicks = ticks;
            s.PreviousValue = value;
        }

        return (signal, rate, spec.MaxPerSecond);
    }

    protected override void ReadDetector(State s, BinaryReader r)
    {
        s.HasPrevious = r.ReadBoolean();
        s.PreviousTicks = r.ReadInt64();
        s.PreviousValue = r.ReadDouble();
    }

    internal sealed class State : RuleState
    {
        public bool HasPrevious { get; set; }
        public long PreviousTicks { get; set; }
        public double PreviousValue { get; set; }

        public override void Write(BinaryWriter w)
        {
            w.Write(HasPrevious);
            w.Write(PreviousTicks);
            w.Write(PreviousValue);
            base.Write(w);
        }
    }
}
