namespace Pipeline.Core.State;

/// <summary>How much history a <see cref="MemoryMetricHistory"/> keeps per device and metric.</summary>
public sealed record MetricHistoryOptions
{
    /// <summary>Width of one downsampled bucket (event time).</summary>
    public TimeSpan BucketWidth { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Buckets kept per device and metric: with one-minute buckets, the last two hours.</summary>
    public int Buckets { get; init; } = 120;

    /// <summary>Metrics kept per device; further metric names of the same device are ignored.</summary>
    public int MaxMetricsPerDevice { get; init; } = 16;

    /// <summary>Bytes one bucket takes in the compact encoding used for the size estimate: offset, mean, min, max (4 bytes each) and a 2-byte count.</summary>
    public const int EncodedBucketBytes = 18;

    public void Validate()
    {
        if (BucketWidth < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(BucketWidth), BucketWidth, "MetricHistory BucketWidth must be at least 1 second.");
        }

        if (Buckets is < 2 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(Buckets), Buckets, "MetricHistory Buckets must be from 2 to 10000.");
        }

        if (MaxMetricsPerDevice is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMetricsPerDevice), MaxMetricsPerDevice, "MetricHistory MaxMetricsPerDevice must be from 1 to 256.");
        }
    }
}
