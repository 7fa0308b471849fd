using System.Globalization;

namespace Pipeline.Bench;

/// <summary>
/// One soak sample, taken after a full collection: the GC heap, the working set, the transitions delivered so far and
/// those waiting in outboxes (not judged: they explain the heap's swings).
/// </summary>
internal readonly record struct HeapSample(double Seconds, long HeapBytes, long WorkingSetBytes, long Delivered, long Waiting = 0);

/// <summary>
/// What "flat" means for a soak. Samples taken before the run has delivered <see cref="WarmUpTransitions"/> are the
/// warm-up: the bounded in-memory structures (the alert history, the sink's remembered ids, the notification gate's
/// decisions) are still filling, and growth there is expected. After it, the heap must not trend upwards: the
/// least-squares slope of the heap over time stays at or below <see cref="MaxSlopeMBPerMinute"/>, and the last third's
/// median stays within <see cref="GrowthFactor"/> × the middle third's median + <see cref="GrowthSlackMB"/>. Medians, not
/// peaks: a single sample swings by tens of MB with the alerts waiting for delivery at that moment, while a leak moves
/// every sample. A leak of 1 KB per delivered alert grows the heap by about 60 MB a minute at 1,000 alerts a second.
/// </summary>
internal sealed record FlatMemoryRule
{
    /// <summary>Transitions delivered before the steady state starts; samples below it are left out.</summary>
    public required long WarmUpTransitions { get; init; }

    /// <summary>The steady state's heap may rise by at most this much per minute (least-squares slope).</summary>
    public double MaxSlopeMBPerMinute { get; init; } = 30;

    /// <summary>The last third's median heap may be at most this times the middle third's median (plus the slack).</summary>
    public double GrowthFactor { get; init; } = 1.2;

    /// <summary>Slack for the heap's noise at small sizes (buffers, pooled arrays, requests in flight).</summary>
    public double GrowthSlackMB { get; init; } = 8;

    /// <summary>Fewer steady-state samples than this is no verdict at all: the run was too short to tell.</summary>
    public int MinSteadySamples { get; init; } = 9;

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"warm-up until {WarmUpTransitions:N0} transitions delivered; then at least {MinSteadySamples} samples, heap slope <= {MaxSlopeMBPerMinute} MB/min, last third's median <= {GrowthFactor} x middle third's median + {GrowthSlackMB} MB");
}

/// <summary>The outcome of <see cref="FlatMemory.Judge"/>; <see cref="Reason"/> says why in one line.</summary>
internal sealed record FlatMemoryVerdict(
    bool Flat,
    string Reason,
    int WarmUpSamples,
    int SteadySamples,
    double SlopeMBPerMinute,
    double MiddleMedianMB,
    double LastMedianMB,
    double LastBoundMB);

internal static class FlatMemory
{
    private const double MB = 1048576.0;

    /// <summary>Judges samples (in time order) against <paramref name="rule"/>.</summary>
    public static FlatMemoryVerdict Judge(IReadOnlyList<HeapSample> samples, FlatMemoryRule rule)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(rule);
        var steady = samples.Where(s => s.Delivered >= rule.WarmUpTransitions).ToList();
        var warmUp = samples.Count - steady.Count;
        if (steady.Count < rule.MinSteadySamples || steady.Count < 3)
        {
            return new FlatMemoryVerdict(false,
                string.Create(CultureInfo.InvariantCulture,
                    $"no verdict: {steady.Count} samples after the warm-up, at least {Math.Max(3, rule.MinSteadySamples)} needed; run longer"),
                warmUp, steady.Count, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var slope = Slope(steady);
        var third = steady.Count / 3;
        var middle = Median(steady.Skip(third).Take(third));
        var last = Median(steady.Skip(steady.Count - third));
        var bound = (middle * rule.GrowthFactor) + rule.GrowthSlackMB;
        var sloped = slope > rule.MaxSlopeMBPerMinute;
        var risen = last > bound;
        var reason = (sloped, risen) switch
        {
            (false, false) => string.Create(CultureInfo.InvariantCulture,
                $"flat: slope {slope:0.0} MB/min <= {rule.MaxSlopeMBPerMinute}, last third's median {last:0.0} MB <= {bound:0.0} MB"),
            (true, false) => string.Create(CultureInfo.InvariantCulture,
                $"growing: slope {slope:0.0} MB/min > {rule.MaxSlopeMBPerMinute} after the warm-up"),
            (false, true) => string.Create(CultureInfo.InvariantCulture,
                $"growing: last third's median {last:0.0} MB > {rule.GrowthFactor} x middle third's {middle:0.0} MB + {rule.GrowthSlackMB} MB"),
            (true, true) => string.Create(CultureInfo.InvariantCulture,
                $"growing: slope {slope:0.0} MB/min > {rule.MaxSlopeMBPerMinute}, and last third's median {last:0.0} MB > {bound:0.0} MB"),
        };
        return new FlatMemoryVerdict(!sloped && !risen, reason, warmUp, steady.Count, slope, middle, last, bound);
    }

    /// <summary>The median heap (MB) of <paramref name="samples"/>; the mean of the two middle ones for an even count.</summary>
    public static double Median(IEnumerable<HeapSample> samples)
    {
        var heaps = samples.Select(s => s.HeapBytes / MB).Order().ToList();
        return heaps.Count % 2 == 1 ? heaps[heaps.Count / 2] : (heaps[(heaps.Count / 2) - 1] + heaps[heaps.Count / 2]) / 2;
    }

    /// <summary>Least-squares slope of the heap (MB) over time (minutes).</summary>
    public static double Slope(IReadOnlyList<HeapSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var n = samples.Count;
        var meanX = samples.Average(s => s.Seconds / 60);
        var meanY = samples.Average(s => s.HeapBytes / MB);
        double covariance = 0, variance = 0;
        foreach (var s in samples)
        {
            var dx = (s.Seconds / 60) - meanX;
            covariance += dx * ((s.HeapBytes / MB) - meanY);
            variance += dx * dx;
        }

        return n < 2 || variance == 0 ? 0 : covariance / variance;
    }
}
