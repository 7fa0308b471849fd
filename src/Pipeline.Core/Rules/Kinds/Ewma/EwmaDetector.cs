using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

/// <summary>
/// Exponentially weighted mean and variance (α): anomalous when |x − mean| exceeds <c>threshold</c> weighted
/// standard deviations. Constant state, adapts to drift. No verdict until <c>warmup</c> values were seen.
/// </summary>
internal sealed class EwmaDetector(Rule rule, int index, EwmaDetectorSpec spec) : MetricDetectorRuntime<EwmaDetector.State>(rule, index)
{
    public override string DescribeCondition() => $"|ewma deviation({Metric})| > {Number(spec.Threshold)}";

    protected override (Signal? Signal, double Score, double Threshold) Score(State s, long ticks, double value)
    {
        Signal? signal = null;
        double score = 0;
        if (s.Count == 0)
        {
            s.Mean = value;
        }
        else
        {
            if (s.Count >= Math.Max(2, spec.Warmup))
            {
                var std = Math.Max(Math.Sqrt(s.Variance), 1e-6 * Math.Max(1, Math.Abs(s.Mean)));
                score = Math.Abs(value - s.Mean) / std;
                signal = score > spec.Threshold ? Signal.Fire : Signal.Clear;
            }

            // West's incremental EW variance.
            var diff = value - s.Mean;
            var increment = spec.Alpha * diff;
            s.Mean += increment;
            s.Variance = (1 - spec.Alpha) * (s.Variance + (diff * increment));
        }

        s.Count = Math.Min(s.Count + 1, int.MaxValue - 1);
        return (signal, score, spec.Threshold);
    }

    protected override void ReadDetector(State s, BinaryReader r)
    {
        s.Count = r.ReadInt32();
        s.Mean = r.ReadDouble();
        s.Variance = r.ReadDouble();
    }

    internal sealed class State : RuleState
    {
        public int Count { get; set; }
        public double Mean { get; set; }
        public double Variance { get; set; }

        public override void Write(BinaryWriter w)
        {
            w.Write(Count);
            w.Write(Mean);
            w.Write(Variance);
            base.Write(w);
        }
    }
}
