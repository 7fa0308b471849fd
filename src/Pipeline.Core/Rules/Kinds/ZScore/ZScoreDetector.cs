using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

/// <summary>
/// Rolling z-score: |x − mean| / stddev over the previous <c>history</c> values (a ring buffer of floats to keep
/// state small; running sums make each event O(1)). No verdict until <c>warmup</c> values were seen.
/// </summary>
internal sealed class ZScoreDetector(Rule rule, int index, ZScoreDetectorSpec spec) : MetricDetectorRuntime<ZScoreDetector.State>(rule, index)
{
    protected override string Layout => base.Layout + $"|{spec.History}";

    public override string DescribeCondition() => $"|zscore({Metric})| > {Number(spec.Threshold)}";

    protected override (Signal? Signal, double Score, double Threshold) Score(State s, long ticks, double value)
    {
        s.Ring ??= new float[spec.History];
        Signal? signal = null;
        double z = 0;
        if (s.Count >= Math.Max(2, spec.Warmup))
        {
            var mean = s.Sum / s.Count;
            var variance = Math.Max(0, (s.SumSquares / s.Count) - (mean * mean));
            var std = Math.Sqrt(variance);

            // A perfectly flat history has no spread: any change is infinitely unusual, which is true but useless,
            // so the spread is floored at a millionth of the mean's magnitude.
            std = Math.Max(std, 1e-6 * Math.Max(1, Math.Abs(mean)));
            z = Math.Abs(value - mean) / std;
            signal = z > spec.Threshold ? Signal.Fire : Signal.Clear;
        }

        // Store as float (what the ring keeps) so the running sums match the ring exactly after a snapshot.
        var stored = (double)(float)value;
        if (s.Count == spec.History)
        {
            var old = (double)s.Ring[s.Next];
            s.Sum -= old;
            s.SumSquares -= old * old;
        }
        else
        {
            s.Count++;
        }

        s.Ring[s.Next] = (float)stored;
        s.Sum += stored;
        s.SumSquares += stored * stored;
        s.Next = (s.Next + 1) % spec.History;
        return (signal, z, spec.Threshold);
    }

    protected override void ReadDetector(State s, BinaryReader r)
    {
        s.Count = r.ReadInt32();
        s.Next = r.ReadInt32();
        s.Sum = r.ReadDouble();
        s.SumSquares = r.ReadDouble();
        s.Ring = FloatRing.Read(r);
    }

    internal sealed class State : RuleState
    {
        public float[]? Ring { get; set; }
        public int Count { get; set; }
        public int Next { get; set; }
        public double Sum { get; set; }
        public double SumSquares { get; set; }

        public override void Write(BinaryWriter w)
        {
            w.Write(Count);
            w.Write(Next);
            w.Write(Sum);
            w.Write(SumSquares);

            FloatRing.Write(w, Ring);

            base.Write(w);
        }
    }
}
