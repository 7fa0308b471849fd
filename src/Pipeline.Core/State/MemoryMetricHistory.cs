using System.Collections.Concurrent;
using System.Text;
using Pipeline.Core.Events;

namespace Pipeline.Core.State;

/// <summary>
/// <see cref="IMetricHistory"/> in memory: per device and metric a ring of fixed-width event-time buckets, so memory per
/// device is bounded whatever the event rate. Events older than the ring are ignored; a newer bucket clears the ones it skips.
/// Safe for concurrent partitions (one lock per device).
/// </summary>
public sealed class MemoryMetricHistory : IMetricHistory
{
    private readonly ConcurrentDictionary<string, DeviceSeries> _devices = new(StringComparer.Ordinal);
    private readonly long _widthTicks;
    private readonly int _buckets;
    private readonly int _maxMetrics;

    public MemoryMetricHistory(MetricHistoryOptions? options = null)
    {
        Options = options ?? new MetricHistoryOptions();
        Options.Validate();
        _widthTicks = Options.BucketWidth.Ticks;
        _buckets = Options.Buckets;
        _maxMetrics = Options.MaxMetricsPerDevice;
    }

    public MetricHistoryOptions Options { get; }

    public int DeviceCount => Volatile.Read(ref _orderCount);

    private long _latestTicks = long.MinValue;

    // Every device in the order first seen, for listing without locking the map; grown under _orderLock only.
    private readonly Lock _orderLock = new();
    private DeviceSeries[] _order = [];
    private int _orderCount;

    /// <summary>The newest event time recorded across all devices; null before the first event.</summary>
    public DateTimeOffset? LatestEventTime => Interlocked.Read(ref _latestTicks) is var t && t == long.MinValue ? null : new DateTimeOffset(t, TimeSpan.Zero);

    public void Record(IReadOnlyList<Telemetry> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            var device = Device(e.Key);
            var ticks = e.Timestamp.UtcTicks;
            for (var seen = Interlocked.Read(ref _latestTicks); ticks > seen; seen = Interlocked.Read(ref _latestTicks))
            {
                if (Interlocked.CompareExchange(ref _latestTicks, ticks, seen) == seen)
                {
                    break;
                }
            }

            lock (device)
            {
                if (e.Timestamp >= device.LastEventTime)
                {
                    device.LastEventTime = e.Timestamp;
                    if (e.Labels.Count > 0)
                    {
                        device.Labels = e.Labels;
                    }
                }

                var bucket = Math.DivRem(e.Timestamp.UtcTicks, _widthTicks, out _);
                foreach (var (name, value) in e.Metrics)
                {
                    if (!double.IsFinite(value))
                    {
                        continue;
                    }

                    if (!device.Metrics.TryGetValue(name, out var ring))
                    {
                        if (device.Metrics.Count >= _maxMetrics)
                        {
                            continue;
                        }

                        ring = new MetricRing(_buckets);
                        device.Metrics[name] = ring;
                    }

                    ring.Add(bucket, value, e.Timestamp.UtcTicks);
                }
            }
        }
    }

    public void RecordState(string key, bool pending, DateTimeOffset processingTime)
    {
        ArgumentNullException.ThrowIfNull(key);
        var device = Device(key);
        device.Pending = pending;
    }

    /// <summary>The key's series, added to the listing order the first time the key is seen.</summary>
    private DeviceSeries Device(string key)
    {
        if (_devices.TryGetValue(key, out var device))
        {
            return device;
        }

        lock (_orderLock)
        {
            if (_devices.TryGetValue(key, out device))
            {
                return device;
            }

            device = new DeviceSeries(key);
            if (_orderCount == _order.Length)
            {
                var grown = new DeviceSeries[Math.Max(16, _order.Length * 2)];
                Array.Copy(_order, grown, _orderCount);
                Volatile.Write(ref _order, grown);
            }

            // The slot is written before the count that makes it visible to a listing.
            _order[_orderCount] = device;
            Volatile.Write(ref _orderCount, _orderCount + 1);
            _devices[key] = device;
            return device;
        }
    }

    /// <summary>
    /// Lists every device without copying its metrics: the fleet view reads keys, times, labels and pending flags, so
    /// each device's last values are a view that copies them (under the device's lock) only when first read.
    /// </summary>
    public Task<IReadOnlyList<DeviceActivity>> ListAsync(CancellationToken cancellationToken = default)
    {
        // The append-only array, not ConcurrentDictionary.Values, which takes every lock of the map and copies it.
        var order = Volatile.Read(ref _order);
        var count = Math.Min(Volatile.Read(ref _orderCount), order.Length);
        var list = new DeviceActivity[count];
        for (var i = 0; i < count; i++)
        {
            var device = order[i];
            DateTimeOffset lastEventTime;
            IReadOnlyDictionary<string, string> labels;
            lock (device)
            {
                lastEventTime = device.LastEventTime;
                labels = device.Labels;
            }

            var lastEvent = lastEventTime == DateTimeOffset.MinValue ? (DateTimeOffset?)null : lastEventTime;
            list[i] = new DeviceActivity(device.Key, lastEvent, labels, new LastValuesView(device), device.Pending);
        }

        return Task.FromResult<IReadOnlyList<DeviceActivity>>(list);
    }

    public Task<int> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) => Task.FromResult(0);

    public Task<DeviceHistory?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!_devices.TryGetValue(key, out var device) || device.LastEventTime == DateTimeOffset.MinValue)
        {
            return Task.FromResult<DeviceHistory?>(null);
        }

        lock (device)
        {
            var metrics = new Dictionary<string, IReadOnlyList<HistoryPoint>>(device.Metrics.Count, StringComparer.Ordinal);
            foreach (var (name, ring) in device.Metrics)
            {
                metrics[name] = ring.Points(_widthTicks);
            }

            return Task.FromResult<DeviceHistory?>(new DeviceHistory(device.Key, device.LastEventTime, device.Labels, metrics));
        }
    }

    /// <summary>
    /// The bytes this device's history would take in a compact encoding (key, and per metric its name, newest bucket
    /// and one <see cref="MetricHistoryOptions.EncodedBucketBytes"/> entry per non-empty bucket): the size a store of
    /// its own would hold, and what it would add to key state if it lived there.
    /// </summary>
    public int EncodedSize(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!_devices.TryGetValue(key, out var device))
        {
            return 0;
        }

        lock (device)
        {
            var size = Encoding.UTF8.GetByteCount(key) + 1;
            foreach (var (name, ring) in device.Metrics)
            {
                size += Encoding.UTF8.GetByteCount(name) + 1 + 8 + 2 + (ring.NonEmpty * MetricHistoryOptions.EncodedBucketBytes);
            }

            return size;
        }
    }

    private sealed class DeviceSeries(string key)
    {
        public string Key { get; } = key;

        private volatile bool _pending;

        /// <summary>Written by the key's partition, read by the Api: a single flag, no lock needed.</summary>
        public bool Pending
        {
            get => _pending;
            set => _pending = value;
        }

        public DateTimeOffset LastEventTime { get; set; } = DateTimeOffset.MinValue;

        public IReadOnlyDictionary<string, string> Labels { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

        public Dictionary<string, MetricRing> Metrics { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>A device's last metric values, copied from its rings the first time they are read.</summary>
    private sealed class LastValuesView(DeviceSeries device) : IReadOnlyDictionary<string, double>
    {
        private Dictionary<string, double>? _values;

        public int Count => Values().Count;

        public double this[string key] => Values()[key];

        IEnumerable<string> IReadOnlyDictionary<string, double>.Keys => Values().Keys;

        IEnumerable<double> IReadOnlyDictionary<string, double>.Values => Values().Values;

        public bool ContainsKey(string key) => Values().ContainsKey(key);

        public bool TryGetValue(string key, out double value) => Values().TryGetValue(key, out value);

        public IEnumerator<KeyValuePair<string, double>> GetEnumerator() => Values().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        private Dictionary<string, double> Values()
        {
            if (Volatile.Read(ref _values) is { } values)
            {
                return values;
            }

            lock (device)
            {
                values = new Dictionary<string, double>(device.Metrics.Count, StringComparer.Ordinal);
                foreach (var (name, ring) in device.Metrics)
                {
                    values[name] = ring.Last;
                }
            }

            return Interlocked.CompareExchange(ref _values, values, null) ?? values;
        }
    }
}
