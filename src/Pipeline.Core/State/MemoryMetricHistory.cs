using System.Collections.Concurrent;
using System.Text;
using Pipeline.Core.Events;

namespace Pipeline.Core.State;

/// <summary>
/// <see cref="IMetricHistory"/> in memory: per device and metric a ring of fixed-width event-time buckets, so memory per
/// device is bounded whatever the event rate. Events older than the ring are ignored; a newer bucket clears the ones it skips.
/// Safe for concurrent partitions (one lock per device). <see cref="PurgeAsync"/> removes retired devices, so the number of
/// devices is bounded by the fleet seen within the retention, not by every device ever seen.
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

    public int DeviceCount => Volatile.Read(ref _order).Count;

    private readonly NewestEventTime _latest = new();

    // Every device in the order first seen, for listing without locking the map; replaced under _orderLock only.
    private readonly Lock _orderLock = new();
    private Order _order = new([], 0);

    /// <summary>The newest event time recorded across all devices; null before the first event.</summary>
    public DateTimeOffset? LatestEventTime => _latest.Value;

    public void Record(IReadOnlyList<Telemetry> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            _latest.Raise(e.Timestamp);
            var device = EnterDevice(e.Key);
            try
            {
                if (e.Timestamp >= device.LastEventTime)
                {
                    device.LastEventTime = e.Timestamp;
                    if (e.Labels.Count > 0)
                    {
                        device.Labels = e.Labels;
                    }
                }

                MetricRing.AddEvent(device.Metrics, e, _widthTicks, _buckets, _maxMetrics);
            }
            finally
            {
                Monitor.Exit(device);
            }
        }
    }

    public void RecordState(string key, bool pending, DateTimeOffset processingTime)
    {
        ArgumentNullException.ThrowIfNull(key);
        var device = EnterDevice(key);

        // Two assignments that cannot throw: the lock is left without a finally.
        device.ListedTicks = device.ListedTicks == long.MinValue ? processingTime.UtcTicks : device.ListedTicks;
        device.Pending = pending;
        Monitor.Exit(device);
    }

    /// <summary>
    /// Removes the devices last seen before <paramref name="cutoff"/>: by their newest event time, or, for a key that
    /// never sent, by the processor's time when it was first listed.
    /// </summary>
    public Task<int> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        var cutoffTicks = cutoff.UtcTicks;
        var removed = 0;
        lock (_orderLock)
        {
            // Under the order lock no device is added; a Record that already holds a removed device sees its flag.
            var order = _order;
            var kept = new DeviceSeries[Math.Max(16, order.Count)];
            var count = 0;
            for (var i = 0; i < order.Count; i++)
            {
                var device = order.Items[i];
                lock (device)
                {
                    var seen = device.LastEventTime != DateTimeOffset.MinValue ? device.LastEventTime.UtcTicks : device.ListedTicks;
                    if (seen != long.MinValue && seen < cutoffTicks)
                    {
                        device.Removed = true;
                        _devices.TryRemove(device.Key, out _);
                        removed++;
                        continue;
                    }
                }

                kept[count++] = device;
            }

            if (removed > 0)
            {
                Volatile.Write(ref _order, new Order(kept, count));
            }
        }

        return Task.FromResult(removed);
    }

    /// <summary>The key's series with its lock held (the caller exits it); one a purge removed is replaced by a new one.</summary>
    private DeviceSeries EnterDevice(string key)
    {
        while (true)
        {
            var device = Device(key);
            Monitor.Enter(device);
            if (!device.Removed)
            {
                return device;
            }

            Monitor.Exit(device);
        }
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
            var items = _order.Items;
            var count = _order.Count;
            if (count == items.Length)
            {
                var grown = new DeviceSeries[Math.Max(16, items.Length * 2)];
                Array.Copy(items, grown, count);
                items = grown;
            }

            // The slot is written before the listing that makes it visible; earlier listings end before it.
            items[count] = device;
            Volatile.Write(ref _order, new Order(items, count + 1));
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
        // The order's snapshot, not ConcurrentDictionary.Values, which takes every lock of the map and copies it.
        var order = Volatile.Read(ref _order);
        var list = new DeviceActivity[order.Count];
        for (var i = 0; i < order.Count; i++)
        {
            var device = order.Items[i];
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

        /// <summary>The processor's time when the key was first listed; what retention judges a key that never sent by.</summary>
        public long ListedTicks { get; set; } = long.MinValue;

        /// <summary>Set under the device's lock by a purge: a writer holding this series takes the key's new one.</summary>
        public bool Removed { get; set; }

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

    /// <summary>The listing order: the first <see cref="Count"/> slots of <see cref="Items"/>, never changed once published.</summary>
    private sealed record Order(DeviceSeries[] Items, int Count);
}
