using System.Reactive.Linq;
using Pipeline.Core.Events;

namespace Pipeline.Bench;

/// <summary>An alert transition reduced to what both implementations must agree on.</summary>
internal readonly record struct AlertKey(string Rule, string Key, string Kind, long Ticks) : IComparable<AlertKey>
{
    public int CompareTo(AlertKey other)
    {
        var c = string.CompareOrdinal(Key, other.Key);
        c = c != 0 ? c : string.CompareOrdinal(Rule, other.Rule);
        c = c != 0 ? c : Ticks.CompareTo(other.Ticks);
        return c != 0 ? c : string.CompareOrdinal(Kind, other.Kind);
    }

    public override string ToString() =>
        $"{Rule} {Key} {Kind} at {new DateTimeOffset(Ticks, TimeSpan.Zero):yyyy-MM-ddTHH:mm:ss.fffZ}";

    public static bool operator <(AlertKey left, AlertKey right) => left.CompareTo(right) < 0;

    public static bool operator <=(AlertKey left, AlertKey right) => left.CompareTo(right) <= 0;

    public static bool operator >(AlertKey left, AlertKey right) => left.CompareTo(right) > 0;

    public static bool operator >=(AlertKey left, AlertKey right) => left.CompareTo(right) >= 0;
}

/// <summary>
/// The peer: the benchmark's three rules written the idiomatic System.Reactive way, independent of the engine's code.
/// <c>GroupBy</c> device, then per device (published once, shared by the three rules):
/// <list type="bullet">
/// <item>overheat: event-time tumbling windows with <c>GroupByUntil</c> (a window closes when the device's watermark,
/// max event time − 5 s, passes its end), <c>Average</c> per window, windows kept in order with <c>Concat</c>, then a
/// hysteresis state machine (<c>Scan</c>): fire above 80, resolve below 75;</item>
/// <item>vibration-anomaly: <c>Scan</c> over a 100-value ring (values stored as float, running sums), z = |x − mean| / stddev
/// of the previous values after 30 of them, fire above 4, resolve at the next value not above 4;</item>
/// <item>offline: event time drives the timer: consecutive event times (<c>Zip</c> with <c>Skip(1)</c>) more than 2 min
/// apart fire at previous + 2 min and resolve at the next event; at the end of the stream a device is silent for good
/// and fires at its last event + 2 min.</item>
/// </list>
/// The end of the stream (OnCompleted) closes every open window, like the engine's final advance.
/// </summary>
internal static class RxPeer
{
    public const string Fired = "Fired";
    public const string Resolved = "Resolved";

    private enum Verdict
    {
        Fire,
        Hold,
        Clear,
    }

    public static IObservable<AlertKey> Detect(IObservable<Telemetry> events) =>
        events
            .GroupBy(e => e.Key, StringComparer.Ordinal)
            .SelectMany(device => device.Publish(d => Observable.Merge(
                Overheat(device.Key, d),
                VibrationAnomaly(device.Key, d),
                Offline(device.Key, d))));

    private static IObservable<AlertKey> Overheat(string key, IObservable<Telemetry> device)
    {
        var size = BenchRules.WindowSize.Ticks;
        var tolerance = BenchRules.Tolerance.Ticks;
        var watermark = device.Select(e => e.Timestamp.UtcTicks - tolerance).Scan(Math.Max);
        return device
            .Where(e => e.Metrics.ContainsKey("temperature"))
            .GroupByUntil(
                e => Floor(e.Timestamp.UtcTicks, size),
                e => e.Metrics["temperature"],
                window => watermark.Where(w => w >= window.Key + size))
            .Select(window =>
            {
                // Subscribe to the window now (a group is hot) but hand its result on in window order.
                var result = window.Average().Select(avg => (End: window.Key + size, Avg: avg)).PublishLast();
                result.Connect();
                return result;
            })
            .Concat()
            .Select(r => (r.End, r.Avg > BenchRules.OverheatWhen ? Verdict.Fire : r.Avg < BenchRules.OverheatClear ? Verdict.Clear : Verdict.Hold))
            .Lifecycle("overheat", key);
    }

    private static IObservable<AlertKey> VibrationAnomaly(string key, IObservable<Telemetry> device) =>
        device
            .Where(e => e.Metrics.ContainsKey("vibration"))
            .Scan(new ZScore(BenchRules.ZScoreHistory), (z, e) => z.Next(e.Timestamp.UtcTicks, e.Metrics["vibration"]))
            .Where(z => z.Verdict is not null)
            .Select(z => (z.Ticks, z.Verdict!.Value))
            .Lifecycle("vibration-anomaly", key);

    private static IObservable<AlertKey> Offline(string key, IObservable<Telemetry> device)
    {
        var timeout = BenchRules.HeartbeatTimeout.Ticks;
        var times = device.Select(e => e.Timestamp.UtcTicks);
        var gaps = times
            .Zip(times.Skip(1), (previous, next) => (Previous: previous, Next: next))
            .Where(p => p.Next - p.Previous > timeout)
            .SelectMany(p => new[] { new AlertKey("offline", key, Fired, p.Previous + timeout), new AlertKey("offline", key, Resolved, p.Next) });
        var silentAtEnd = times.LastAsync().Select(last => new AlertKey("offline", key, Fired, last + timeout));
        return gaps.Merge(silentAtEnd);
    }

    /// <summary>Inactive ⇄ Firing with hysteresis: fire on Fire, resolve on Clear, keep the status on Hold.</summary>
    private static IObservable<AlertKey> Lifecycle(this IObservable<(long Ticks, Verdict Verdict)> verdicts, string rule, string key) =>
        verdicts
            .Scan((Firing: false, Alert: (AlertKey?)null), (s, v) => v.Verdict switch
            {
                Verdict.Fire when !s.Firing => (true, new AlertKey(rule, key, Fired, v.Ticks)),
                Verdict.Clear when s.Firing => (false, new AlertKey(rule, key, Resolved, v.Ticks)),
                _ => (s.Firing, null),
            })
            .Where(s => s.Alert is not null)
            .Select(s => s.Alert!.Value);

    private static long Floor(long ticks, long step) => ticks - (((ticks % step) + step) % step);

    /// <summary>Rolling z-score over the previous values (the Scan accumulator).</summary>
    private sealed class ZScore(int history)
    {
        private readonly float[] _ring = new float[history];
        private int _count;
        private int _next;
        private double _sum;
        private double _sumSquares;

        public long Ticks { get; private set; }

        public Verdict? Verdict { get; private set; }

        public ZScore Next(long ticks, double value)
        {
            Ticks = ticks;
            Verdict = null;
            if (_count >= Math.Max(2, BenchRules.ZScoreWarmup))
            {
                var mean = _sum / _count;
                var std = Math.Sqrt(Math.Max(0, (_sumSquares / _count) - (mean * mean)));
                std = Math.Max(std, 1e-6 * Math.Max(1, Math.Abs(mean)));
                Verdict = Math.Abs(value - mean) / std > BenchRules.ZScoreThreshold ? Bench.RxPeer.Verdict.Fire : Bench.RxPeer.Verdict.Clear;
            }

            var stored = (double)(float)value;
            if (_count == _ring.Length)
            {
                double old = _ring[_next];
                _sum -= old;
                _sumSquares -= old * old;
            }
            else
            {
                _count++;
            }

            _ring[_next] = (float)stored;
            _sum += stored;
            _sumSquares += stored * stored;
            _next = (_next + 1) % _ring.Length;
            return this;
        }
    }
}
