using System.Text;
using Azure.Data.Tables;
using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Azure;

/// <summary>
/// One device's history in memory (a <see cref="MetricRing"/> per metric, as in <see cref="MemoryMetricHistory"/>) and its table row.
/// <para>
/// Row: PartitionKey the device's hash bucket, RowKey the escaped device key. <c>LastTicks</c> (Int64, absent for a key
/// that never sent), <c>ListedTicks</c> (Int64, the processor's time when the key was first listed; absent in rows written
/// before retention), <c>Pending</c> (Boolean), <c>F</c> (binary: labels and last values, what the fleet view reads, at
/// most 64 KiB), <c>Width</c> (bucket width in ticks) and the rings in 64 KiB binary chunks <c>H0…</c> with
/// <c>HChunks</c>/<c>HLength</c>. A binary property holds at most 64 KiB and an entity 1 MiB ("Understanding the Table
/// service data model" and "Scalability and performance targets for Table storage", Microsoft Learn).
/// </para>
/// <para>
/// Ring encoding, per metric: name, newest bucket (8 bytes), time and value of the newest event (8 + 8), the number of
/// non-empty buckets (2), then per non-empty bucket its offset back from the newest (2), mean, minimum and maximum as
/// 32-bit floats (4 each) and its count (4): <see cref="MetricHistoryOptions.EncodedBucketBytes"/> = 18 bytes. Charts
/// need no more than a float's 7 digits; the fleet's last values stay exact doubles in <c>F</c>.
/// </para>
/// </summary>
internal sealed class MetricHistoryRow(string key)
{
    /// <summary>Ring bytes one row may carry: 13 chunks, leaving room for <c>F</c> and the keys inside 1 MiB.</summary>
    public const int MaxRingBytes = 13 * TableKeys.ChunkBytes;

    public const string LastTicksProperty = "LastTicks";
    public const string ListedTicksProperty = "ListedTicks";
    public const string PendingProperty = "Pending";
    public const string FleetProperty = "F";
    public const string WidthProperty = "Width";
    public const string RingPrefix = "H";

    private const byte Version = 1;

    public string Key { get; } = key;

    /// <summary>Ticks of the newest event; <see cref="long.MinValue"/> for a key that never sent.</summary>
    public long LastTicks { get; set; } = long.MinValue;

    public IReadOnlyDictionary<string, string> Labels { get; set; } = Empty;

    public Dictionary<string, MetricRing> Metrics { get; } = new(StringComparer.Ordinal);

    public bool Pending { get; set; }

    /// <summary>
    /// The processor's time, in ticks, when the key was first listed (its first <see cref="IMetricHistory.RecordState"/>
    /// on any instance); <see cref="long.MinValue"/> when unknown. Retention judges a key that never sent by it.
    /// </summary>
    public long ListedTicks { get; set; } = long.MinValue;

    /// <summary>When the device was last seen, for retention: its newest event, else when it was first listed.</summary>
    public long LastSeenTicks => LastTicks != long.MinValue ? LastTicks : ListedTicks;

    /// <summary>Set under the row's lock by a purge that dropped it: a writer holding it takes the key's new one.</summary>
    public bool Removed { get; set; }

    /// <summary>Whether this instance's engine has said whether the key is pending (its flag beats a stored one).</summary>
    public bool HasState { get; set; }

    // Flush bookkeeping, under the row's lock.
    public bool Dirty { get; set; }

    /// <summary>What this instance knows of the stored row: not read yet, known absent, or present with <see cref="ETag"/>.</summary>
    public RowState Stored { get; set; }

    public string? ETag { get; set; }

    private static readonly Dictionary<string, string> Empty = new(StringComparer.Ordinal);

    public DateTimeOffset? LastEventTime => LastTicks == long.MinValue ? null : TableKeys.FromTicks(LastTicks);

    /// <summary>Adds one event (the memory history's rules: newest labels and values win, non-finite values are skipped).</summary>
    public void Add(Telemetry e, long widthTicks, int buckets, int maxMetrics)
    {
        var ticks = e.Timestamp.UtcTicks;
        if (ticks >= LastTicks)
        {
            LastTicks = ticks;
            if (e.Labels.Count > 0)
            {
                Labels = e.Labels;
            }
        }

        MetricRing.AddEvent(Metrics, e, widthTicks, buckets, maxMetrics);
    }

    public DeviceActivity ToActivity()
    {
        var last = new Dictionary<string, double>(Metrics.Count, StringComparer.Ordinal);
        foreach (var (name, ring) in Metrics)
        {
            last[name] = ring.Last;
        }

        return new DeviceActivity(Key, LastEventTime, Labels, last, Pending);
    }

    public DeviceHistory? ToHistory(long widthTicks)
    {
        if (LastTicks == long.MinValue)
        {
            return null;
        }

        var metrics = new Dictionary<string, IReadOnlyList<HistoryPoint>>(Metrics.Count, StringComparer.Ordinal);
        foreach (var (name, ring) in Metrics)
        {
            metrics[name] = ring.Points(widthTicks);
        }

        return new DeviceHistory(Key, TableKeys.FromTicks(LastTicks), Labels, metrics);
    }

    /// <summary>A copy, so a read can merge a stored row into it without touching what the flush writes.</summary>
    public MetricHistoryRow Clone()
    {
        var copy = new MetricHistoryRow(Key) { LastTicks = LastTicks, ListedTicks = ListedTicks, Labels = Labels, Pending = Pending, HasState = HasState };
        foreach (var (name, ring) in Metrics)
        {
            copy.Metrics[name] = ring.Clone();
        }

        return copy;
    }

    /// <summary>
    /// Folds a stored row into this one, bucket by bucket: of the two versions of a bucket the one with more samples
    /// wins (this one on a tie), so folding the same row twice, or a row that already holds these buckets, changes
    /// nothing. Summing would count twice the buckets both sides hold, which happens on every conflict retry and when a
    /// new owner re-reads what it already merged.
    /// </summary>
    public void Merge(MetricHistoryRow stored, int maxMetrics)
    {
        if (stored.LastTicks > LastTicks)
        {
            LastTicks = stored.LastTicks;
            Labels = stored.Labels;
        }
        else if (Labels.Count == 0 && stored.Labels.Count > 0)
        {
            Labels = stored.Labels;
        }

        if (!HasState)
        {
            Pending = stored.Pending;
        }

        if (stored.ListedTicks != long.MinValue && (ListedTicks == long.MinValue || stored.ListedTicks < ListedTicks))
        {
            ListedTicks = stored.ListedTicks; // the first listing on any instance
        }

        foreach (var (name, ring) in stored.Metrics)
        {
            if (Metrics.TryGetValue(name, out var mine))
            {
                mine.Merge(ring);
            }
            else if (Metrics.Count < maxMetrics)
            {
                Metrics[name] = ring.Clone();
            }
        }
    }

    public TableEntity ToEntity(string partition, long widthTicks)
    {
        var entity = new TableEntity(partition, TableKeys.Escape(Key))
        {
            [PendingProperty] = Pending,
            [WidthProperty] = widthTicks,
            [FleetProperty] = EncodeFleet(),
        };
        if (LastTicks != long.MinValue)
        {
            entity[LastTicksProperty] = LastTicks;
        }

        if (ListedTicks != long.MinValue)
        {
            entity[ListedTicksProperty] = ListedTicks;
        }

        TableKeys.WriteChunks(entity, RingPrefix, EncodeRings());
        return entity;
    }

    /// <summary>A row read from the table; rings of another bucket width (changed settings) are not read.</summary>
    public static MetricHistoryRow FromEntity(TableEntity entity, long widthTicks, int buckets)
    {
        var row = new MetricHistoryRow(TableKeys.Unescape(entity.RowKey))
        {
            LastTicks = entity.GetInt64(LastTicksProperty) ?? long.MinValue,
            ListedTicks = entity.GetInt64(ListedTicksProperty) ?? long.MinValue,
            Pending = entity.GetBoolean(PendingProperty) ?? false,
        };
        var lastValues = row.DecodeFleet(entity.GetBinary(FleetProperty));
        if (entity.ContainsKey(RingPrefix + "Chunks") && entity.GetInt64(WidthProperty) == widthTicks)
        {
            row.DecodeRings(TableKeys.ReadChunks(entity, RingPrefix), buckets);
        }

        // A projection without the rings (the fleet list) still has the last values.
        foreach (var (name, value) in lastValues)
        {
            if (!row.Metrics.ContainsKey(name))
            {
                row.Metrics[name] = MetricRing.LastOnly(buckets, value);
            }
        }

        return row;
    }

    /// <summary>Bytes of the encoded rings and labels (what a flush sends, before base64).</summary>
    public int EncodedBytes { get; private set; }

    private byte[] EncodeFleet()
    {
        // Labels first, then last values; a device whose labels alone pass 64 KiB keeps its values and drops labels.
        var bytes = WriteFleet(Labels);
        return bytes.Length <= TableKeys.ChunkBytes ? bytes : WriteFleet(Empty);
    }

    private byte[] WriteFleet(IReadOnlyDictionary<string, string> labels)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            writer.Write7BitEncodedInt(labels.Count);
            foreach (var (name, value) in labels)
            {
                writer.Write(name);
                writer.Write(value);
            }

            writer.Write7BitEncodedInt(Metrics.Count);
            foreach (var (name, ring) in Metrics)
            {
                writer.Write(name);
                writer.Write(ring.Last);
            }
        }

        return stream.ToArray();
    }

    private Dictionary<string, double> DecodeFleet(byte[]? bytes)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        if (bytes is null || bytes.Length == 0)
        {
            return values;
        }

        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        if (reader.ReadByte() != Version)
        {
            return values;
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var count = reader.Read7BitEncodedInt(); count > 0; count--)
        {
            labels[reader.ReadString()] = reader.ReadString();
        }

        Labels = labels;
        for (var count = reader.Read7BitEncodedInt(); count > 0; count--)
        {
            values[reader.ReadString()] = reader.ReadDouble();
        }

        return values;
    }

    private byte[] EncodeRings()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            var written = 0;
            var countAt = stream.Position;
            writer.Write((ushort)0);
            foreach (var (name, ring) in Metrics)
            {
                var before = stream.Position;
                writer.Write(name);
                WriteRing(writer, ring);
                if (stream.Position > MaxRingBytes)
                {
                    // Only metric names of absurd length get here (Validate bounds the rest): the metric is left out.
                    writer.Flush();
                    stream.SetLength(before);
                    stream.Position = before;
                    continue;
                }

                written++;
            }

            writer.Flush();
            var end = stream.Position;
            stream.Position = countAt;
            writer.Write((ushort)written);
            writer.Flush();
            stream.Position = end;
        }

        EncodedBytes = (int)stream.Length;
        return stream.ToArray();
    }

    private void DecodeRings(byte[] bytes, int buckets)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        if (reader.ReadByte() != Version)
        {
            return;
        }

        for (var count = reader.ReadUInt16(); count > 0; count--)
        {
            var name = reader.ReadString();
            Metrics[name] = ReadRing(reader, buckets);
        }
    }

    internal enum RowState
    {
        Unknown,
        Absent,
        Present,
    }

    /// <summary>One metric's ring in the encoding above.</summary>
    private static void WriteRing(BinaryWriter writer, MetricRing ring)
    {
        writer.Write(ring.Newest);
        writer.Write(ring.LastTicks);
        writer.Write(ring.Last);
        var buckets = ring.Buckets().ToList();
        writer.Write((ushort)buckets.Count);
        foreach (var bucket in buckets)
        {
            writer.Write((ushort)(ring.Newest - bucket.Index));
            writer.Write((float)bucket.Mean);
            writer.Write((float)bucket.Min);
            writer.Write((float)bucket.Max);
            writer.Write(bucket.Count);
        }
    }

    private static MetricRing ReadRing(BinaryReader reader, int size)
    {
        var newest = reader.ReadInt64();
        var lastTicks = reader.ReadInt64();
        var last = reader.ReadDouble();
        var buckets = new MetricBucket[reader.ReadUInt16()];
        for (var i = 0; i < buckets.Length; i++)
        {
            var index = newest - reader.ReadUInt16();
            buckets[i] = new MetricBucket(index, reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle(), reader.ReadInt32());
        }

        // Buckets of a longer ring than this instance keeps are left out.
        return MetricRing.Restore(size, newest, lastTicks, last, buckets);
    }
}
