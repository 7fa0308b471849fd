using System.Text;
using Pipeline.Core.Events;
using Pipeline.Core.Simulation;

namespace Pipeline.Core.Tests.Simulation;

public sealed class FleetSimulatorTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<List<Telemetry>> SampleEvents = new(() => [.. new FleetSimulator(FleetOptions.Sample).Generate()]);

    private static DateTimeOffset At(int minutes, int seconds = 0) => Start.AddMinutes(minutes).AddSeconds(seconds);

    private static List<Telemetry> Of(string deviceId) => [.. SampleEvents.Value.Where(e => e.Key == deviceId)];

    private static List<string> Json(IEnumerable<Telemetry> events) => [.. events.Select(e => Encoding.UTF8.GetString(TelemetryEncoder.ToJson(e)))];

    [Fact]
    public void The_sample_fleet_is_six_devices_including_chiller_17()
    {
        var devices = new FleetSimulator(FleetOptions.Sample).Devices;

        Assert.Equal(
            [
                new SimulatedDevice("sensor-01", "sensor", "plant-5"),
                new SimulatedDevice("chiller-02", "chiller", "plant-6"),
                new SimulatedDevice("pump-03", "pump", "plant-7"),
                new SimulatedDevice("sensor-04", "sensor", "plant-1"),
                new SimulatedDevice("chiller-05", "chiller", "plant-2"),
                new SimulatedDevice("chiller-17", "chiller", "plant-7"),
            ],
            devices);
    }

    [Fact]
    public void The_default_fleet_has_24_devices_of_three_types_on_seven_sites()
    {
        var devices = new FleetSimulator(new FleetOptions { Start = Start }).Devices;

        Assert.Equal(24, devices.Count);
        Assert.Equal(8, devices.Count(d => d.DeviceType == "chiller"));
        Assert.Equal(8, devices.Count(d => d.DeviceType == "pump"));
        Assert.Equal(8, devices.Count(d => d.DeviceType == "sensor"));
        Assert.Equal(["plant-1", "plant-2", "plant-3", "plant-4", "plant-5", "plant-6", "plant-7"], devices.Select(d => d.Site).Distinct().Order());
        Assert.Contains(new SimulatedDevice("chiller-17", "chiller", "plant-7"), devices);
        Assert.Equal("pump-24", devices[^1].Id);
    }

    [Fact]
    public void A_fleet_too_small_for_chiller_17_has_the_first_devices()
    {
        var devices = new FleetSimulator(new FleetOptions { Start = Start, Devices = 3 }).Devices;

        Assert.Equal(["sensor-01", "chiller-02", "pump-03"], devices.Select(d => d.Id));
    }

    [Fact]
    public void The_sample_fault_schedule()
    {
        var faults = new FleetSimulator(FleetOptions.Sample).Faults;

        Assert.Equal(
            [
                (FaultKind.Overheat, "chiller-02", At(10), At(21)),
                (FaultKind.StuckPressure, "sensor-01", At(25), At(40)),
                (FaultKind.Silent, "chiller-05", At(30), At(35)),
                (FaultKind.VibrationSpike, "pump-03", At(42), At(42, 30)),
                (FaultKind.PressureRamp, "sensor-04", At(47), At(50)),
            ],
            faults.Select(f => (f.Kind, f.DeviceId, f.Window.Start, f.Window.End)));
        Assert.All(faults, f => Assert.StartsWith(f.DeviceId + " ", f.Description, StringComparison.Ordinal));
    }

    [Fact]
    public void Same_seed_gives_the_same_events()
    {
        var simulator = new FleetSimulator(FleetOptions.Sample);

        Assert.Equal(Json(simulator.Generate()), Json(simulator.Generate()));
        Assert.Equal(Json(SampleEvents.Value), Json(new FleetSimulator(FleetOptions.Sample).Generate()));
    }

    [Fact]
    public void A_different_seed_gives_different_values_but_the_same_shape()
    {
        var other = new FleetSimulator(FleetOptions.Sample with { Seed = 43 }).Generate().ToList();

        Assert.Equal(SampleEvents.Value.Select(e => (e.Key, e.Timestamp)), other.Select(e => (e.Key, e.Timestamp)));
        Assert.NotEqual(Json(SampleEvents.Value), Json(other));
    }

    [Fact]
    public void The_sample_has_every_device_every_ten_seconds_except_while_silent()
    {
        // 6 devices × 360 samples in an hour, minus chiller-05's 30 silent samples.
        Assert.Equal(2130, SampleEvents.Value.Count);
        Assert.Equal(At(0), SampleEvents.Value[0].Timestamp);
        Assert.Equal(At(59, 50), SampleEvents.Value[^1].Timestamp);
        foreach (var id in new[] { "sensor-01", "chiller-02", "pump-03", "sensor-04", "chiller-17" })
        {
            Assert.Equal(360, Of(id).Count);
        }
    }

    [Fact]
    public void Events_are_in_event_time_order_with_consecutive_sequence_numbers()
    {
        var events = SampleEvents.Value;

        for (var i = 1; i < events.Count; i++)
        {
            Assert.True(events[i - 1].Timestamp <= events[i].Timestamp);
        }

        Assert.Equal(Enumerable.Range(0, events.Count).Select(i => (long)i), events.Select(e => e.Source.SequenceNumber));
        Assert.All(events, e => Assert.Equal(FleetSimulator.Partition, e.Source.Partition));
    }

    [Fact]
    public void Devices_send_their_type_metrics_and_labels()
    {
        var chiller = Of("chiller-02")[0];
        var pump = Of("pump-03")[0];
        var sensor = Of("sensor-01")[0];

        Assert.Equal(["pressure", "temperature", "vibration"], chiller.Metrics.Keys.Order());
        Assert.Equal(["pressure", "temperature", "vibration"], pump.Metrics.Keys.Order());
        Assert.Equal(["humidity", "pressure", "temperature"], sensor.Metrics.Keys.Order());
        Assert.Equal("chiller", chiller.Labels["deviceType"]);
        Assert.Equal("plant-6", chiller.Labels["site"]);
    }

    [Fact]
    public void Normal_values_are_in_their_usual_ranges()
    {
        // Before the first fault (10:00) every device is normal.
        var normal = SampleEvents.Value.Where(e => e.Timestamp < At(10)).ToList();

        Assert.All(normal.Where(e => e.Key is "chiller-02" or "chiller-05"), e => Assert.InRange(e.Metrics["temperature"], 65, 75));
        Assert.All(normal.Where(e => e.Key == "pump-03"), e => Assert.InRange(e.Metrics["temperature"], 45, 55));
        Assert.All(normal.Where(e => e.Metrics.ContainsKey("vibration")), e => Assert.InRange(e.Metrics["vibration"], 0.5, 2.5));
        Assert.All(normal, e => Assert.InRange(e.Metrics["pressure"], 2.5, 6.5));
        Assert.All(normal.Where(e => e.Metrics.ContainsKey("humidity")), e => Assert.InRange(e.Metrics["humidity"], 30, 60));
    }

    [Fact]
    public void The_overheating_chiller_is_above_85_for_minutes_and_recovers()
    {
        var chiller = Of("chiller-02");

        // Fully risen between 13:00 and 18:00 (3-minute ramps inside 10:00–21:00).
        Assert.All(chiller.Where(e => e.Timestamp >= At(13) && e.Timestamp < At(18)), e => Assert.True(e.Metrics["temperature"] > 85));
        Assert.Equal(30, chiller.Count(e => e.Timestamp >= At(13) && e.Timestamp < At(18)));
        Assert.All(chiller.Where(e => e.Timestamp < At(10) || e.Timestamp >= At(21)), e => Assert.True(e.Metrics["temperature"] < 80));
    }

    [Fact]
    public void Chiller_17_runs_warm_but_below_85()
    {
        var temperatures = Of("chiller-17").Select(e => e.Metrics["temperature"]).ToList();

        Assert.All(temperatures, t => Assert.InRange(t, 78, 85));
        Assert.True(temperatures.Average() > 80);
    }

    [Fact]
    public void The_stuck_sensor_repeats_one_pressure_for_more_than_ten_minutes()
    {
        var sensor = Of("sensor-01");
        var stuck = sensor.Where(e => e.Timestamp >= At(25) && e.Timestamp < At(40)).ToList();
        var before = sensor.Where(e => e.Timestamp >= At(15) && e.Timestamp < At(25)).ToList();

        Assert.Equal(90, stuck.Count);
        Assert.Single(stuck.Select(e => e.Metrics["pressure"]).Distinct());
        Assert.True(stuck[^1].Timestamp - stuck[0].Timestamp > TimeSpan.FromMinutes(10));
        Assert.True(before.Select(e => e.Metrics["pressure"]).Distinct().Count() > 10);
        Assert.NotEqual(stuck[0].Metrics["pressure"], sensor.First(e => e.Timestamp == At(40)).Metrics["pressure"]);
    }

    [Fact]
    public void The_silent_device_has_a_gap_of_more_than_three_minutes_then_returns()
    {
        var times = Of("chiller-05").Select(e => e.Timestamp).ToList();
        var gaps = times.Zip(times.Skip(1), (a, b) => (From: a, Gap: b - a)).ToList();

        Assert.DoesNotContain(times, t => t >= At(30) && t < At(35));
        var longest = gaps.MaxBy(g => g.Gap);
        Assert.Equal(At(29, 50), longest.From);
        Assert.Equal(TimeSpan.FromSeconds(310), longest.Gap);
        Assert.Single(gaps, g => g.Gap > TimeSpan.FromSeconds(10));
        Assert.Equal(At(35), times.First(t => t > At(29, 50)));
    }

    [Fact]
    public void The_vibration_spike_is_three_samples_at_ten_times_normal()
    {
        var pump = Of("pump-03");
        var normal = pump.Where(e => e.Timestamp < At(42) || e.Timestamp >= At(42, 30)).Select(e => e.Metrics["vibration"]).Order().ToList();
        var median = normal[normal.Count / 2];
        var spike = pump.Where(e => e.Timestamp >= At(42) && e.Timestamp < At(42, 30)).Select(e => e.Metrics["vibration"]).ToList();

        Assert.Equal(3, spike.Count);
        Assert.All(spike, v => Assert.InRange(v, 7 * median, 13 * median));
        Assert.All(normal, v => Assert.True(v < 2 * median));
    }

    [Fact]
    public void The_pressure_ramp_changes_faster_than_two_bar_per_second_only_in_its_window()
    {
        var sensor = Of("sensor-04");
        var rates = sensor.Zip(sensor.Skip(1), (a, b) => (At: b.Timestamp, PerSecond: Math.Abs(b.Metrics["pressure"] - a.Metrics["pressure"]) / (b.Timestamp - a.Timestamp).TotalSeconds)).ToList();

        // Up at 47:10 (the first sample after the ramp starts), down at 50:00 (the first sample after it ends).
        Assert.Equal([At(47, 10), At(50)], rates.Where(r => r.PerSecond > 2).Select(r => r.At));
        Assert.All(rates.Where(r => r.At < At(47) || r.At > At(50)), r => Assert.True(r.PerSecond < 0.1));
        Assert.All(sensor.Where(e => e.Timestamp >= At(47, 10) && e.Timestamp < At(50)), e => Assert.True(e.Metrics["pressure"] > 25));
    }

    [Fact]
    public void An_endless_run_repeats_the_faults_every_hour()
    {
        var options = FleetOptions.Sample with { Duration = null };
        var secondHour = new FleetSimulator(options).Generate()
            .SkipWhile(e => e.Timestamp < At(60))
            .TakeWhile(e => e.Timestamp < At(120))
            .ToList();

        Assert.All(secondHour.Where(e => e.Key == "chiller-02" && e.Timestamp >= At(73) && e.Timestamp < At(78)), e => Assert.True(e.Metrics["temperature"] > 85));
        Assert.DoesNotContain(secondHour, e => e.Key == "chiller-05" && e.Timestamp >= At(90) && e.Timestamp < At(95));
        Assert.Equal(2130, secondHour.Count);
    }

    [Fact]
    public void Every_sample_event_survives_encoding_and_decoding()
    {
        var decoder = new TelemetryDecoder();

        foreach (var original in SampleEvents.Value)
        {
            Assert.True(decoder.TryDecode(new RawEvent(TelemetryEncoder.ToJson(original), original.Source), out var decoded, out var failure), failure.ToString());
            Assert.Equal(original.Key, decoded.Key);
            Assert.Equal(original.Timestamp, decoded.Timestamp);
            Assert.Equal(original.Metrics, decoded.Metrics);
            Assert.Equal(original.Labels, decoded.Labels);
        }
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FleetSimulator(new FleetOptions { Start = Start, Devices = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FleetSimulator(new FleetOptions { Start = Start, Interval = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FleetSimulator(new FleetOptions { Start = Start, Duration = TimeSpan.FromSeconds(-1) }));
    }
}
