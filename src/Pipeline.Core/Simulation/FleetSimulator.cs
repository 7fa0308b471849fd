using System.Globalization;
using Pipeline.Core.Events;
using Pipeline.Core.Time;

namespace Pipeline.Core.Simulation;

/// <summary>
/// A deterministic simulated fleet: chillers, pumps and sensors on sites plant-1..plant-7, each sending one event
/// every <see cref="FleetOptions.Interval"/> with noisy, slowly drifting metrics, plus faults injected on a fixed
/// schedule (<see cref="Faults"/>) so a 60-minute run shows every fault once.
/// <para>
/// Devices are numbered 01..N; the number decides the type (1: sensor, 2: chiller, 0: pump, modulo 3) and the site.
/// chiller-17 is always in fleets of 4 or more because rule files override thresholds for it; it runs warm
/// (about 82 °C, against about 70 °C for other chillers) and sits on plant-7, so it is above the usual 80 °C overheat
/// threshold, below plant-7's 85 °C and its own 90 °C override. Metrics: chillers send temperature (°C), vibration
/// (mm/s) and pressure (bar); pumps the same at about 50 °C; sensors send temperature, pressure and humidity (%).
/// </para>
/// <para>
/// Same options, same events: the noise comes from <see cref="Random"/> seeded with <see cref="FleetOptions.Seed"/>
/// and uses only arithmetic that is exact in IEEE 754 (sums of uniforms rather than logarithms or sines), so the output
/// is identical on every machine. Events come in event-time order; within one instant, in device order. Each event
/// carries a <see cref="SourcePosition"/> on partition "0" with a sequence number counting from 0.
/// </para>
/// <para>
/// <c>samples/telemetry.jsonl</c> is <see cref="FleetOptions.Sample"/> (6 devices, 60 minutes, 10 s, seed 42,
/// from 2026-01-01T00:00:00Z) written one <see cref="TelemetryEncoder"/> body per line.
/// </para>
/// </summary>
public sealed class FleetSimulator
{
    /// <summary>The partition id simulated events carry in their source position.</summary>
    public const string Partition = "0";

    // Fault windows, as offsets into each hour of the run.
    private static readonly (FaultKind Kind, TimeSpan From, TimeSpan To)[] Schedule =
    [
        (FaultKind.Overheat, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(21)),
        (FaultKind.StuckPressure, TimeSpan.FromMinutes(25), TimeSpan.FromMinutes(40)),
        (FaultKind.Silent, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(35)),
        (FaultKind.VibrationSpike, TimeSpan.FromMinutes(42), TimeSpan.FromMinutes(42.5)),
        (FaultKind.PressureRamp, TimeSpan.FromMinutes(47), TimeSpan.FromMinutes(50)),
    ];

    private const double OverheatRise = 22;
    private static readonly TimeSpan OverheatRamp = TimeSpan.FromMinutes(3);
    private const double VibrationFactor = 10;
    private const double RampRise = 25;
    private const double RampPerSecond = 2.5;

    private readonly List<SimulatedDevice> _devices;
    private readonly List<InjectedFault> _faults = [];
    private readonly Dictionary<string, List<(FaultKind Kind, TimeSpan From, TimeSpan To)>> _faultsByDevice = new(StringComparer.Ordinal);

    public FleetSimulator(FleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Devices, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Devices, 100_000, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero, nameof(options));
        if (options.Duration is { } duration)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero, nameof(options));
        }

        Options = options;
        _devices = BuildRoster(options.Devices);
        AssignFaults();
    }

    /// <summary>The schedule repeats with this period in runs longer than one hour.</summary>
    public static TimeSpan FaultCycle { get; } = TimeSpan.FromHours(1);

    public FleetOptions Options { get; }

    /// <summary>The fleet, in device-number order.</summary>
    public IReadOnlyList<SimulatedDevice> Devices => _devices;

    /// <summary>The faults of the first hour of the run (event time). Later hours repeat them.</summary>
    public IReadOnlyList<InjectedFault> Faults => _faults;

    /// <summary>
    /// The events, in event-time order. Every enumeration starts again from the seed and yields the same events;
    /// with no <see cref="FleetOptions.Duration"/> the sequence is endless.
    /// </summary>
    public IEnumerable<Telemetry> Generate()
    {
        var random = new Random(Options.Seed);
        var states = _devices
            .Select(device => new DeviceState(device, random, _faultsByDevice.GetValueOrDefault(device.Id) ?? []))
            .ToArray();
        long sequence = 0;
        for (long tick = 0; ; tick++)
        {
            var offset = TimeSpan.FromTicks(Options.Interval.Ticks * tick);
            if (Options.Duration is { } duration && offset >= duration)
            {
                yield break;
            }

            var time = Options.Start + offset;
            var inCycle = TimeSpan.FromTicks(offset.Ticks % FaultCycle.Ticks);
            foreach (var state in states)
            {
                // Silent devices still draw their noise, so a fault never changes the other devices' values.
                var metrics = state.Sample(random, inCycle);
                if (state.IsActive(FaultKind.Silent, inCycle, out _))
                {
                    continue;
                }

                yield return new Telemetry(state.Device.Id, time, metrics, state.Labels, new SourcePosition(Partition, sequence++, time));
            }
        }
    }

    private static List<SimulatedDevice> BuildRoster(int count)
    {
        // Numbers 1..count, except that small fleets swap their last number for 17 so chiller-17 is present.
        var numbers = count is >= 4 and < 17
            ? Enumerable.Range(1, count - 1).Append(17)
            : Enumerable.Range(1, count);
        return [.. numbers.Select(CreateDevice)];
    }

    private static SimulatedDevice CreateDevice(int number)
    {
        var type = (number % 3) switch
        {
            1 => SimulatedDevice.Sensor,
            2 => SimulatedDevice.Chiller,
            _ => SimulatedDevice.Pump,
        };

        // Offset chosen so chiller-17 lands on plant-7, where rule files also override by site.
        var site = "plant-" + (((number + 3) % 7) + 1).ToString(CultureInfo.InvariantCulture);
        return new SimulatedDevice(type + "-" + number.ToString("D2", CultureInfo.InvariantCulture), type, site);
    }

    private void AssignFaults()
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        IEnumerable<SimulatedDevice> OfType(string type) => _devices.Where(d => d.DeviceType == type);
        // Assigned in order of how particular each fault is about the device type; the silent one takes any device.
        FaultKind[] order = [FaultKind.Overheat, FaultKind.StuckPressure, FaultKind.VibrationSpike, FaultKind.PressureRamp, FaultKind.Silent];
        foreach (var (kind, from, to) in order.Select(k => Schedule.First(s => s.Kind == k)))
        {
            IEnumerable<SimulatedDevice> candidates = kind switch
            {
                FaultKind.Overheat => OfType(SimulatedDevice.Chiller).OrderBy(d => d.Id == "chiller-17" ? 1 : 0),
                FaultKind.StuckPressure => OfType(SimulatedDevice.Sensor).Concat(OfType(SimulatedDevice.Pump)).Concat(OfType(SimulatedDevice.Chiller)),
                FaultKind.VibrationSpike => OfType(SimulatedDevice.Pump).Concat(OfType(SimulatedDevice.Chiller)),
                FaultKind.PressureRamp => OfType(SimulatedDevice.Pump).Concat(OfType(SimulatedDevice.Sensor)).Concat(OfType(SimulatedDevice.Chiller)),
                _ => _devices,
            };

            // Prefer a device with no fault yet so each fault is seen on its own; reuse one in tiny fleets.
            var list = candidates.ToList();
            var target = list.FirstOrDefault(d => !used.Contains(d.Id)) ?? list.FirstOrDefault();
            if (target is null)
            {
                continue;
            }

            used.Add(target.Id);
            if (!_faultsByDevice.TryGetValue(target.Id, out var own))
            {
                _faultsByDevice[target.Id] = own = [];
            }

            own.Add((kind, from, to));
            _faults.Add(new InjectedFault(kind, target.Id, new TimeInterval(Options.Start + from, Options.Start + to), Describe(kind, target.Id)));
        }

        _faults.Sort((a, b) => a.Window.Start.CompareTo(b.Window.Start));
    }

    private static string Describe(FaultKind kind, string id) => kind switch
    {
        FaultKind.Overheat => string.Create(CultureInfo.InvariantCulture,
            $"{id} temperature rises {OverheatRise} °C over {OverheatRamp.TotalMinutes} min (to about 92 °C, above 85 °C for about 7 min), holds, then recovers"),
        FaultKind.StuckPressure => $"{id} pressure is stuck at one value for 15 min",
        FaultKind.Silent => $"{id} sends nothing for 5 min, then resumes",
        FaultKind.VibrationSpike => string.Create(CultureInfo.InvariantCulture, $"{id} vibration is {VibrationFactor}x normal for 30 s"),
        _ => string.Create(CultureInfo.InvariantCulture,
            $"{id} pressure climbs {RampRise} bar at {RampPerSecond} bar/s, holds, and falls back at {RampPerSecond} bar/s within 3 min"),
    };

    /// <summary>One device's noise generators, labels and fault windows.</summary>
    private sealed class DeviceState
    {
        private readonly Channel[] _channels;
        private readonly List<(FaultKind Kind, TimeSpan From, TimeSpan To)> _faults;
        private double? _stuckPressure;

        public DeviceState(SimulatedDevice device, Random random, List<(FaultKind Kind, TimeSpan From, TimeSpan To)> faults)
        {
            Device = device;
            _faults = faults;
            Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["deviceType"] = device.DeviceType, ["site"] = device.Site };

            // Base levels vary per device; each draw happens once, in device order, so they are part of the seed's output.
            _channels = device.DeviceType switch
            {
                SimulatedDevice.Chiller =>
                [
                    device.Id == "chiller-17"
                        ? Channel.Create("temperature", 82, 0.5, random, noise: 0.15, drift: 0.1, decimals: 2)
                        : Channel.Create("temperature", 70, 2, random, noise: 0.15, drift: 0.1, decimals: 2),
                    Channel.Create("vibration", 1.0, 0.2, random, noise: 0.06, drift: 0.02, decimals: 3),
                    Channel.Create("pressure", 4.0, 0.3, random, noise: 0.03, drift: 0.02, decimals: 2),
                ],
                SimulatedDevice.Pump =>
                [
                    Channel.Create("temperature", 50, 2, random, noise: 0.15, drift: 0.1, decimals: 2),
                    Channel.Create("vibration", 1.8, 0.3, random, noise: 0.1, drift: 0.03, decimals: 3),
                    Channel.Create("pressure", 5.5, 0.4, random, noise: 0.03, drift: 0.02, decimals: 2),
                ],
                _ =>
                [
                    Channel.Create("temperature", 22, 1.5, random, noise: 0.1, drift: 0.08, decimals: 2),
                    Channel.Create("pressure", 3.2, 0.3, random, noise: 0.03, drift: 0.02, decimals: 2),
                    Channel.Create("humidity", 45, 8, random, noise: 0.3, drift: 0.2, decimals: 1),
                ],
            };
        }

        public SimulatedDevice Device { get; }

        public Dictionary<string, string> Labels { get; }

        public Dictionary<string, double> Sample(Random random, TimeSpan inCycle)
        {
            var metrics = new Dictionary<string, double>(_channels.Length, StringComparer.Ordinal);
            foreach (var channel in _channels)
            {
                var value = channel.Next(random);
                switch (channel.Name)
                {
                    case "temperature" when IsActive(FaultKind.Overheat, inCycle, out var window):
                        value += OverheatExtra(inCycle - window.From, window.To - window.From);
                        break;
                    case "vibration" when IsActive(FaultKind.VibrationSpike, inCycle, out _):
                        value *= VibrationFactor;
                        break;
                    case "pressure" when IsActive(FaultKind.PressureRamp, inCycle, out var window):
                        value += RampExtra(inCycle - window.From, window.To - window.From);
                        break;
                    default:
                        break;
                }

                var rounded = channel.Round(value);
                if (channel.Name == "pressure")
                {
                    // A stuck sensor repeats the first value it reported when it got stuck.
                    if (IsActive(FaultKind.StuckPressure, inCycle, out _))
                    {
                        _stuckPressure ??= rounded;
                        rounded = _stuckPressure.Value;
                    }
                    else
                    {
                        _stuckPressure = null;
                    }
                }

                metrics[channel.Name] = rounded;
            }

            return metrics;
        }

        public bool IsActive(FaultKind kind, TimeSpan inCycle, out (TimeSpan From, TimeSpan To) window)
        {
            foreach (var fault in _faults)
            {
                if (fault.Kind == kind && inCycle >= fault.From && inCycle < fault.To)
                {
                    window = (fault.From, fault.To);
                    return true;
                }
            }

            window = default;
            return false;
        }

        // Up over the first 3 minutes, flat, down over the last 3 minutes.
        private static double OverheatExtra(TimeSpan elapsed, TimeSpan length)
        {
            var up = elapsed / OverheatRamp;
            var down = (length - elapsed) / OverheatRamp;
            return OverheatRise * Math.Clamp(Math.Min(up, down), 0, 1);
        }

        private static double RampExtra(TimeSpan elapsed, TimeSpan length) =>
            Math.Min(RampRise, RampPerSecond * Math.Min(elapsed.TotalSeconds, (length - elapsed).TotalSeconds));
    }

    /// <summary>One metric: a per-device base level, a mean-reverting drift and white noise.</summary>
    private sealed class Channel
    {
        private readonly double _base;
        private readonly double _noise;
        private readonly double _driftStep;
        private readonly int _decimals;
        private readonly double _min;
        private readonly double _max;
        private double _drift;

        private Channel(string name, double level, double noise, double drift, int decimals, double min, double max)
        {
            Name = name;
            _base = level;
            _noise = noise;
            _driftStep = drift;
            _decimals = decimals;
            _min = min;
            _max = max;
        }

        public string Name { get; }

        public static Channel Create(string name, double typical, double spread, Random random, double noise, double drift, int decimals)
        {
            var level = typical + (spread * ((2 * random.NextDouble()) - 1));
            var max = name == "humidity" ? 100 : double.MaxValue;
            return new Channel(name, level, noise, drift, decimals, 0.01, max);
        }

        public double Next(Random random)
        {
            _drift = (0.95 * _drift) + (_driftStep * Normal(random));
            return _base + _drift + (_noise * Normal(random));
        }

        public double Round(double value) => Math.Round(Math.Clamp(value, _min, _max), _decimals);

        // Irwin–Hall: the sum of 12 uniforms minus 6 is close to a standard normal and needs no transcendental
        // functions, whose last bits can differ between platforms.
        private static double Normal(Random random)
        {
            var sum = 0.0;
            for (var i = 0; i < 12; i++)
            {
                sum += random.NextDouble();
            }

            return sum - 6;
        }
    }
}
