namespace Pipeline.Bench;

/// <summary>
/// Summary of paired differences (one per A/B pair): the mean with a 95% Student-t interval, and the median with a
/// distribution-free interval from the order statistics of the sign test, which holds however skewed the noise of a
/// shared machine is. With n pairs that interval is [d(k), d(n+1-k)] for the largest k whose two-sided binomial tail
/// 2·P(X &lt; k), X ~ Binomial(n, 1/2), is at most 5%; its exact coverage is reported beside it.
/// </summary>
internal sealed record PairedStatistics(int Count, double Mean, double MeanLow, double MeanHigh, double Median, double MedianLow, double MedianHigh, double MedianCoverage)
{
    // Two-sided 95% quantiles of Student's t for 1 to 30 degrees of freedom.
    private static readonly double[] s_t95 =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    public static PairedStatistics Of(IReadOnlyList<double> differences)
    {
        ArgumentNullException.ThrowIfNull(differences);
        var n = differences.Count;
        if (n < 2)
        {
            throw new ArgumentException("At least two pairs are needed for an interval.", nameof(differences));
        }

        var mean = differences.Average();
        var variance = differences.Sum(d => (d - mean) * (d - mean)) / (n - 1);
        var half = T95(n - 1) * Math.Sqrt(variance / n);

        var sorted = differences.Order().ToArray();
        var (k, coverage) = SignTestRank(n);
        var (low, high) = k == 0 ? (double.NegativeInfinity, double.PositiveInfinity) : (sorted[k - 1], sorted[n - k]);
        return new PairedStatistics(n, mean, mean - half, mean + half, MedianOf(sorted), low, high, coverage);
    }

    public static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>The t quantile; past 30 degrees of freedom a Cornish-Fisher expansion around the normal's 1.96.</summary>
    private static double T95(int df)
    {
        if (df <= s_t95.Length)
        {
            return s_t95[df - 1];
        }

        const double z = 1.959964;
        var z3 = z * z * z;
        var z5 = z3 * z * z;
        return z + ((z3 + z) / (4.0 * df)) + (((5 * z5) + (16 * z3) + (3 * z)) / (96.0 * df * df));
    }

    /// <summary>The largest rank k (1-based) with 2·P(X &lt; k) ≤ 0.05, and the interval's coverage 1 − 2·P(X &lt; k); 0 if none.</summary>
    private static (int K, double Coverage) SignTestRank(int n)
    {
        // P(X = i) for X ~ Binomial(n, 1/2), accumulated from i = 0.
        var below = 0.0;
        var k = 0;
        var coverage = 1.0;
        var p = Math.Pow(0.5, n);
        for (var i = 0; i < n; i++)
        {
            // below = P(X < i + 1) after adding P(X = i).
            below += p;
            if (2 * below > 0.05)
            {
                break;
            }

            k = i + 1;
            coverage = 1 - (2 * below);
            p = p * (n - i) / (i + 1);
        }

        return (k, coverage);
    }
}
