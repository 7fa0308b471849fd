using Pipeline.Core.State;

namespace Pipeline.Azure;

/// <summary>How a <see cref="TableMetricHistory"/> keeps its rings, where, and how often it writes them.</summary>
public sealed record TableMetricHistoryOptions
{
    /// <summary>The default table name.</summary>
    public const string DefaultTable = "metrichistory";

    /// <summary>Bucket width, ring length and metrics per device: the same settings as the memory history.</summary>
    public MetricHistoryOptions History { get; init; } = new();

    /// <summary>The table the rows live in.</summary>
    public string Table { get; init; } = DefaultTable;

    /// <summary>
    /// Hash buckets (PartitionKeys) of the table. Few buckets make each flush's transactions full (100 rows); 16 keep a
    /// 100,000-device fleet flushed every 30 s near 210 row writes per second per partition, far under 2,000.
    /// </summary>
    public int Partitions { get; init; } = 16;

    /// <summary>How often the background timer flushes; zero: no timer (the caller flushes, as the Function App's Sweep does).</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Devices written by one flush at most; the rest stay dirty for the next one, oldest first.</summary>
    public int MaxDevicesPerFlush { get; init; } = 20_000;

    /// <summary>How long one listing of the table serves <see cref="TableMetricHistory.ListAsync"/>; zero reads it each time.</summary>
    public TimeSpan ListCacheDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws on a value the history cannot work with, naming it.</summary>
    public void Validate()
    {
        History.Validate();
        if (Table.Length is < 3 or > 63 || !char.IsAsciiLetter(Table[0]) || !Table.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"MetricHistory Table '{Table}' is not a table name: 3 to 63 letters and digits, starting with a letter.", nameof(Table));
        }

        if (Partitions is < 1 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(Partitions), Partitions, "MetricHistory Partitions must be from 1 to 4096.");
        }

        if (FlushInterval < TimeSpan.Zero || (FlushInterval > TimeSpan.Zero && FlushInterval < TimeSpan.FromSeconds(1)))
        {
            throw new ArgumentOutOfRangeException(nameof(FlushInterval), FlushInterval, "MetricHistory FlushInterval must be zero (no timer) or at least 1 second.");
        }

        if (MaxDevicesPerFlush < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDevicesPerFlush), MaxDevicesPerFlush, "MetricHistory MaxDevicesPerFlush must be at least 1.");
        }

        if (ListCacheDuration < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ListCacheDuration), ListCacheDuration, "MetricHistory ListCacheDuration must not be negative.");
        }

        // A full device must fit the chunks one row holds (names aside, which the encoder trims).
        var ringBytes = (long)History.MaxMetricsPerDevice * ((History.Buckets * MetricHistoryOptions.EncodedBucketBytes) + 64);
        if (ringBytes > MetricHistoryRow.MaxRingBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(History), ringBytes,
                $"MetricHistory Buckets × MaxMetricsPerDevice take up to {ringBytes} bytes per device; a table row holds {MetricHistoryRow.MaxRingBytes}.");
        }
    }
}

/// <summary>What one flush did.</summary>
/// <param name="Devices">Device rows written.</param>
/// <param name="Transactions">Entity group transactions submitted (failed ones included).</param>
/// <param name="Reads">Read requests for rows of devices not loaded yet.</param>
/// <param name="Conflicts">Rows another instance had changed: re-read, merged and written again.</param>
/// <param name="Remaining">Devices still dirty after the flush (over its bound, or written after it began).</param>
public readonly record struct MetricHistoryFlush(int Devices, int Transactions, int Reads, int Conflicts, int Remaining);
