using Pipeline.Core.Events;

namespace Pipeline.Core.State;

/// <summary>
/// One metric's recent history: the newest <see cref="Size"/> fixed-width event-time buckets (each the samples' sum,
/// minimum, maximum and count) and the value of the newest event. A bucket is an index (event ticks divided by the
/// bucket width), so memory is bounded whatever the event rate. A bucket older than the ring is ignored; a newer one
/// clears the buckets it skips. Not thread-safe: its owner locks.
/// <para>
/// The memory history keeps one per device and metric; the Table history does too and also merges the version another
/// instance stored (<see cref="Merge"/>) and writes and reads the buckets (<see cref="Buckets"/>, <see cref="Restore"/>).
/// </para>
/// </summary>
public sealed class MetricRing
{
    private readonly double[] _sum;
    private readonly double[] _min;
    private readonly double[] _max;
    private readonly int[] _count;
    private long _newest = long.MinValue;

    public MetricRing(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Size = size;
        _sum = new double[size];
        _min = new double[size];
        _max = new double[size];
        _count = new int[size];
    }

    /// <summary>
    /// Adds an event's finite metric values to a device's rings, one ring per metric, in the bucket of the event's time
    /// (its ticks divided by <paramref name="widthTicks"/>). A metric not seen before gets a ring of
    /// <paramref name="size"/> buckets while the device has fewer than <paramref name="maxMetrics"/>; beyond that it is
    /// not kept. Both metric histories record through this.
    /// </summary>
    public static void AddEvent(Dictionary<string, MetricRing> rings, Telemetry e, long widthTicks, int size, int maxMetrics)
    {
        ArgumentNullException.ThrowIfNull(rings);
        ArgumentNullException.ThrowIfNull(e);
        var ticks = e.Timestamp.UtcTicks;
        var bucket = ticks / widthTicks;
        foreach (var (name, value) in e.Metrics)
        {
            if (!double.IsFinite(value))
            {
                continue;
            }

            if (!rings.TryGetValue(name, out var ring))
            {
                if (rings.Count >= maxMetrics)
                {
                    continue;
                }

                ring = new MetricRing(size);
                rings[name] = ring;
            }

            ring.Add(bucket, value, ticks);
        }
    }

    /// <summary>How many buckets the ring keeps.</summary>
    public int Size { get; }

    /// <summary>The value of the newest event (by event time) added or merged.</summary>
    public double Last { get; private set; }

    /// <summary>The event time, in ticks, of <see cref="Last"/>; <see cref="long.MinValue"/> before any event.</summary>
    public long LastTicks { get; private set; } = long.MinValue;

    /// <summary>The index of the newest bucket; <see cref="long.MinValue"/> while the ring has none.</summary>
    public long Newest => _newest;

    /// <summary>Buckets holding at least one sample.</summary>
    public int NonEmpty => _newest == long.MinValue ? 0 : _count.Count(c => c > 0);

    /// <summary>A ring with a last value and no buckets (what a listing without the buckets knows of a metric).</summary>
    public static MetricRing LastOnly(int size, double value) => new(size) { Last = value };

    /// <summary>
    /// A ring as written before: its newest bucket, newest event and non-empty buckets. Buckets older than this ring
    /// keeps (written with a longer ring) and empty ones are left out.
    /// </summary>
    public static MetricRing Restore(int size, long newest, long lastTicks, double last, IEnumerable<MetricBucket> buckets)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var ring = new MetricRing(size) { _newest = newest, LastTicks = lastTicks, Last = last };
        if (newest == long.MinValue)
        {
            return ring;
        }

        foreach (var bucket in buckets)
        {
            if (bucket.Index > newest || bucket.Index <= newest - size || bucket.Count <= 0)
            {
                continue;
            }

            var slot = ring.Slot(bucket.Index);
            ring._sum[slot] = bucket.Mean * bucket.Count;
            ring._min[slot] = bucket.Min;
            ring._max[slot] = bucket.Max;
            ring._count[slot] = bucket.Count;
        }

        return ring;
    }

    /// <summary>Adds one sample to bucket <paramref name="bucket"/>; <paramref name="ticks"/> is its event time.</summary>
    public void Add(long bucket, double value, long ticks)
    {
        if (ticks >= LastTicks)
        {
            Last = value;
            LastTicks = ticks;
        }

        if (!Advance(bucket))
        {
            return; // older than the ring
        }

        var slot = Slot(bucket);
        if (_count[slot] == 0)
        {
            _sum[slot] = value;
            _min[slot] = value;
            _max[slot] = value;
        }
        else
        {
            _sum[slot] += value;
            _min[slot] = Math.Min(_min[slot], value);
            _max[slot] = Math.Max(_max[slot], value);
        }

        _count[slot]++;
    }

    /// <summary>
    /// Folds another version of this ring in (one another instance stored), bucket by bucket: the version with more
    /// samples wins, this one on a tie, so folding the same ring twice, or one that already holds these buckets, changes
    /// nothing. Summing would count twice the buckets both hold, which happens on every retry of a conflicting write.
    /// </summary>
    public void Merge(MetricRing other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.LastTicks > LastTicks)
        {
            Last = other.Last;
            LastTicks = other.LastTicks;
        }

        if (other._newest == long.MinValue)
        {
            return;
        }

        Advance(other._newest);
        for (var b = other._newest - other.Size + 1; b <= other._newest; b++)
        {
            var from = other.Slot(b);
            if (other._count[from] == 0 || b <= _newest - Size)
            {
                continue;
            }

            var slot = Slot(b);
            if (other._count[from] > _count[slot])
            {
                _sum[slot] = other._sum[from];
                _min[slot] = other._min[from];
                _max[slot] = other._max[from];
                _count[slot] = other._count[from];
            }
        }
    }

    public MetricRing Clone()
    {
        var copy = new MetricRing(Size) { Last = Last, LastTicks = LastTicks, _newest = _newest };
        Array.Copy(_sum, copy._sum, Size);
        Array.Copy(_min, copy._min, Size);
        Array.Copy(_max, copy._max, Size);
        Array.Copy(_count, copy._count, Size);
        return copy;
    }

    /// <summary>The non-empty buckets, oldest first.</summary>
    public IEnumerable<MetricBucket> Buckets()
    {
        if (_newest == long.MinValue)
        {
            yield break;
        }

        for (var b = _newest - Size + 1; b <= _newest; b++)
        {
            var slot = Slot(b);
            if (_count[slot] > 0)
            {
                yield return new MetricBucket(b, _sum[slot] / _count[slot], _min[slot], _max[slot], _count[slot]);
            }
        }
    }

    /// <summary>The non-empty buckets as chart points, oldest first, each at the start of its interval.</summary>
    public List<HistoryPoint> Points(long widthTicks)
    {
        var points = new List<HistoryPoint>();
        foreach (var bucket in Buckets())
        {
            points.Add(new HistoryPoint(new DateTimeOffset(bucket.Index * widthTicks, TimeSpan.Zero), bucket.Mean, bucket.Min, bucket.Max, bucket.Count));
        }

        return points;
    }

    /// <summary>Makes <paramref name="bucket"/> part of the ring, clearing the buckets a newer one skips; false when it is older than the ring.</summary>
    private bool Advance(long bucket)
    {
        if (_newest == long.MinValue || bucket > _newest)
        {
            var clear = _newest == long.MinValue ? Size : (int)Math.Min(Size, bucket - _newest);
            for (var i = 0; i < clear; i++)
            {
                _count[Slot(bucket - i)] = 0;
            }

            _newest = bucket;
            return true;
        }

        return bucket > _newest - Size;
    }

    private int Slot(long bucket) => (int)(((bucket % Size) + Size) % Size);
}

/// <summary>One bucket of a <see cref="MetricRing"/>: its index, the samples' mean, minimum, maximum and count.</summary>
public readonly record struct MetricBucket(long Index, double Mean, double Min, double Max, int Count);
