namespace Pipeline.Core.Windows;

/// <summary>
/// Bounded-memory quantiles: at most <see cref="Capacity"/> centroids (mean, weight) kept sorted; exact while the
/// window has fewer samples than that, then adjacent centroids with the smallest combined weight are merged
/// (a small t-digest without the scale function). Deterministic: the same inputs give the same answer.
/// </summary>
public sealed class PercentileDigest
{
    public const int Capacity = 64;

    private readonly List<(double Mean, long Weight)> _centroids = new(Capacity + 1);

    public long Count { get; private set; }

    public void Add(double value)
    {
        Count = checked(Count + 1);
        var index = _centroids.BinarySearch((value, 0), CentroidComparer.Instance);
        if (index < 0)
        {
            index = ~index;
        }

        _centroids.Insert(index, (value, 1));
        if (_centroids.Count > Capacity)
        {
            MergeSmallestPair();
        }
    }

    /// <summary>The q-quantile (0 &lt; q &lt; 1) by linear interpolation between centroid centres.</summary>
    public double? Quantile(double q)
    {
        if (_centroids.Count == 0)
        {
            return null;
        }

        if (_centroids.Count == 1)
        {
            return _centroids[0].Mean;
        }

        // Position of each centroid's centre in rank space, as for the exact "linear" (type 7) quantile.
        var target = q * (Count - 1);
        double cumulative = 0;
        var previousCentre = 0.0;
        var previousMean = _centroids[0].Mean;
        for (var i = 0; i < _centroids.Count; i++)
        {
            var (mean, weight) = _centroids[i];
            var centre = cumulative + ((weight - 1) / 2.0);
            if (target <= centre)
            {
                if (i == 0 || centre == previousCentre)
                {
                    return mean;
                }

                var fraction = (target - previousCentre) / (centre - previousCentre);
                return previousMean + (fraction * (mean - previousMean));
            }

            previousCentre = centre;
            previousMean = mean;
            cumulative += weight;
        }

        return _centroids[^1].Mean;
    }

    private void MergeSmallestPair()
    {
        var best = 0;
        var bestWeight = long.MaxValue;
        for (var i = 0; i < _centroids.Count - 1; i++)
        {
            var w = _centroids[i].Weight + _centroids[i + 1].Weight;
            if (w < bestWeight)
            {
                bestWeight = w;
                best = i;
            }
        }

        var (m1, w1) = _centroids[best];
        var (m2, w2) = _centroids[best + 1];
        _centroids[best] = (((m1 * w1) + (m2 * w2)) / (w1 + w2), w1 + w2);
        _centroids.RemoveAt(best + 1);
    }

    internal void Write(BinaryWriter w)
    {
        w.Write(Count);
        w.Write(_centroids.Count);
        foreach (var (mean, weight) in _centroids)
        {
            w.Write(mean);
            w.Write(weight);
        }
    }

    internal static PercentileDigest Read(BinaryReader r)
    {
        var d = new PercentileDigest { Count = r.ReadInt64() };
        var n = r.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            d._centroids.Add((r.ReadDouble(), r.ReadInt64()));
        }

        return d;
    }

    private sealed class CentroidComparer : IComparer<(double Mean, long Weight)>
    {
        public static CentroidComparer Instance { get; } = new();

        public int Compare((double Mean, long Weight) x, (double Mean, long Weight) y) => x.Mean.CompareTo(y.Mean);
    }
}
