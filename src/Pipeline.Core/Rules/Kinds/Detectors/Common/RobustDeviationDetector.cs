using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

/// <summary>
/// Robust deviation from the recent past: (x − median) / (1.4826 · MAD) over the previous <c>history</c> values
/// (1.4826 makes the MAD estimate the standard deviation of normal data). Used two-sided by <c>mad</c> and
/// one- or two-sided by <c>spikeAndDip</c>. Median and MAD are recomputed per event from the bounded ring.
/// </summary>
internal sealed class RobustDeviationDetector(Rule rule, int index, int history, double threshold, int warmup, SpikeMode mode, string kind)
    : MetricDetectorRuntime<RobustDeviationDetector.State>(rule, index)
{
    private const double NormalConsistency = 1.4826;
    private const double MeanConsistency = 1.2533;

    // Scratch for sorting; the engine is single-threaded.
    private readonly double[] _scratch = new double[history];

    protected override string Layout => base.Layout + $"|{history}";

    public override string DescribeCondition() => mode switch
    {
        SpikeMode.Spikes => $"{kind}({Metric}) spike > {Number(threshold)}",
        SpikeMode.Dips => $"{kind}({Metric}) dip > {Number(threshold)}",
        _ => $"|{kind}({Metric})| > {Number(threshold)}",
    };

    protected override (Signal? Signal, double Score, double Threshold) Score(State s, long ticks, double value)
    {
        s.Ring ??= new float[history];
        Signal? signal = null;
        double score = 0;
        if (s.Count >= Math.Max(3, warmup))
        {
            var n = s.Count;
            for (var i = 0; i < n; i++)
            {
                _scratch[i] = s.Ring[i];
            }

            var median = Median(_scratch, n);
            for (var i = 0; i < n; i++)
            {
                _scratch[i] = Math.Abs(s.Ring[i] - median);
            }

            var mad = Median(_scratch, n);
            double scale;
            if (mad > 0)
            {
                scale = NormalConsistency * mad;
            }
            else
            {
                // More than half the values equal the median (common with quantized sensors): MAD is 0. Fall back
                // to the mean absolute deviation (× 1.2533, its normal consistency constant), then to a floor.
                double sum = 0;
                for (var i = 0; i < n; i++)
                {
                    sum += _scratch[i];
                }

                scale = MeanConsistency * sum / n;
            }

            scale = Math.Max(scale, 1e-6 * Math.Max(1, Math.Abs(median)));
            var deviation = (value - median) / scale;
            score = mode switch
            {
                SpikeMode.Spikes => deviation,
                SpikeMode.Dips => -deviation,
                _ => Math.Abs(deviation),
            };
            signal = score > threshold ? Signal.Fire : Signal.Clear;
        }

        s.Ring[s.Next] = (float)value;
        s.Next = (s.Next + 1) % history;
        s.Count = Math.Min(s.Count + 1, history);
        return (signal, score, threshold);
    }

    private static double Median(double[] values, int n)
    {
        Array.Sort(values, 0, n);
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }

    protected override void ReadDetector(State s, BinaryReader r)
    {
        s.Count = r.ReadInt32();
        s.Next = r.ReadInt32();
        s.Ring = FloatRing.Read(r);
    }

    internal sealed class State : RuleState
    {
        public float[]? Ring { get; set; }
        public int Count { get; set; }
        public int Next { get; set; }

        public override void Write(BinaryWriter w)
        {
            w.Write(Count);
            w.Write(Next);
            FloatRing.Write(w, Ring);

            base.Write(w);
        }
    }
}
