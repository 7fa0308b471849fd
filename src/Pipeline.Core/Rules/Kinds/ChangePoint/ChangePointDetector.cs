using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

/// <summary>
/// CUSUM change-point detection. A baseline (mean, standard deviation) is learned from <c>warmup</c> values; then
/// S⁺ = max(0, S⁺ + z − drift) and S⁻ = max(0, S⁻ − z − drift) accumulate standardized deviations. When either
/// passes <c>threshold</c> the level has shifted: the alert fires and a new baseline is learned from the next
/// <c>warmup</c> values, after which the alert resolves (the new level is the new normal).
/// </summary>
internal sealed class ChangePointDetector(Rule rule, int index, ChangePointDetectorSpec spec) : MetricDetectorRuntime<ChangePointDetector.State>(rule, index)
{
    public override string DescribeCondition() => $"cusum({Metric}) > {Number(spec.Threshold)}";

    protected override (Signal? Signal, double Score, double Threshold) Score(State s, long ticks, double value)
    {
        if (!s.Monitoring)
        {
            // Welford's running mean and variance of the baseline.
            s.Learned++;
            var delta = value - s.Mean;
            s.Mean += delta / s.Learned;
            s.M2 += delta * (value - s.Mean);
            if (s.Learned < spec.Warmup)
            {
                return (null, 0, spec.Threshold);
            }

            s.Monitoring = true;
            s.Up = 0;
            s.Down = 0;
            var relearned = s.Relearning;
            s.Relearning = false;

            // After a change the alert stays firing until the new baseline is known; then it resolves.
            return (relearned ? Signal.Clear : null, 0, spec.Threshold);
        }

        var sd = Math.Sqrt(s.M2 / Math.Max(1, s.Learned - 1));
        sd = Math.Max(sd, 1e-6 * Math.Max(1, Math.Abs(s.Mean)));
        var z = (value - s.Mean) / sd;
        s.Up = Math.Max(0, s.Up + z - spec.Drift);
        s.Down = Math.Max(0, s.Down - z - spec.Drift);
        var score = Math.Max(s.Up, s.Down);
        if (score <= spec.Threshold)
        {
            return (Signal.Clear, score, spec.Threshold);
        }

        s.Monitoring = false;
        s.Relearning = true;
        s.Learned = 0;
        s.Mean = 0;
        s.M2 = 0;
        return (Signal.Fire, score, spec.Threshold);
    }

    protected override void ReadDetector(State s, BinaryReader r)
    {
        s.Monitoring = r.ReadBoolean();
        s.Relearning = r.ReadBoolean();
        s.Learned = r.ReadInt32();
        s.Mean = r.ReadDouble();
        s.M2 = r.ReadDouble();
        s.Up = r.ReadDouble();
        s.Down = r.ReadDouble();
    }

    internal sealed class State : RuleState
    {
        public bool Monitoring { get; set; }
        public bool Relearning { get; set; }
        public int Learned { get; set; }
        public double Mean { get; set; }
        public double M2 { get; set; }
        public double Up { get; set; }
        public double Down { get; set; }

        public override void Write(BinaryWriter w)
        {
            w.Write(Monitoring);
            w.Write(Relearning);
            w.Write(Learned);
            w.Write(Mean);
            w.Write(M2);
            w.Write(Up);
            w.Write(Down);
            base.Write(w);
        }
    }
}
