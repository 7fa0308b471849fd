using Pipeline.Core.Alerts;
using Pipeline.Local;

namespace Pipeline.Cli.Tests;

public sealed class DemoTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Demo_is_deterministic_byte_for_byte()
    {
        using var dir = new TempDir();
        var first = await CliRunner.RunAsync("demo", "--rules", CliRunner.SampleRules, "--out", dir.File("a.jsonl"));
        var second = await CliRunner.RunAsync("demo", "--rules", CliRunner.SampleRules, "--out", dir.File("b.jsonl"));

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        Assert.Empty(first.Stderr);
        var a = await File.ReadAllBytesAsync(dir.File("a.jsonl"));
        Assert.NotEmpty(a);
        Assert.Equal(a, await File.ReadAllBytesAsync(dir.File("b.jsonl")));

        // The printed timeline is deterministic too; only the lines reporting wall-clock speed may differ.
        static IEnumerable<string> Stable(string output) => output.Split('\n')
            .Where(l => !l.StartsWith("  events ", StringComparison.Ordinal) && !l.Contains(" took ", StringComparison.Ordinal) && !l.Contains("alert CloudEvents written to", StringComparison.Ordinal));
        Assert.Equal(Stable(first.Stdout), Stable(second.Stdout));
    }

    [Fact]
    public async Task A_different_seed_gives_a_different_fleet()
    {
        using var dir = new TempDir();
        await CliRunner.RunAsync("demo", "--rules", CliRunner.SampleRules, "--out", dir.File("a.jsonl"), "--duration", "30m");
        await CliRunner.RunAsync("demo", "--rules", CliRunner.SampleRules, "--out", dir.File("b.jsonl"), "--duration", "30m", "--seed", "7");

        Assert.NotEqual(await File.ReadAllBytesAsync(dir.File("a.jsonl")), await File.ReadAllBytesAsync(dir.File("b.jsonl")));
    }

    [Fact]
    public async Task Demo_detects_each_injected_fault_and_prints_timeline_and_summary()
    {
        using var dir = new TempDir();
        var output = dir.File("alerts.jsonl");

        var result = await CliRunner.RunAsync("demo", "--rules", CliRunner.SampleRules, "--out", output);

        Assert.Equal(0, result.ExitCode);
        var alerts = await JsonLinesAlertSink.ReadAllAsync(output);

        // The health rules run in the demo too (every Sweep), and their defaults stay quiet on its faults.
        Assert.DoesNotContain(alerts, a => a.Type.StartsWith("Pipeline.Health.", StringComparison.Ordinal));
        Assert.DoesNotContain("dead-letter-ratio", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("state-store-failures", result.Stdout, StringComparison.Ordinal);

        // The default fleet is devices 01..24 (number mod 3: 1 sensor, 2 chiller, 0 pump). The simulator documents its
        // schedule and picks the first unused device of the fitting type: overheat 10-21 min on chiller-02, stuck pressure
        // 25-40 min on sensor-01, silence 30-35 min on sensor-04, vibration spike 42-42.5 min on pump-03, pressure ramp
        // 47-50 min on pump-06. Samples come every 10 s.
        AlertEvent One(string rule, string key, AlertTransitionKind kind) =>
            Assert.Single(alerts, a => a.Data.RuleId == rule && a.Data.Key == key && a.Kind == kind);

        var overheat = One("overheat", "chiller-02", AlertTransitionKind.Fired);
        Assert.InRange(overheat.Time, Start.AddMinutes(10), Start.AddMinutes(21));
        Assert.Equal(Severity.Critical, overheat.Data.Severity);
        Assert.True(One("overheat", "chiller-02", AlertTransitionKind.Resolved).Time > overheat.Time);

        // Silent from 00:30:00: the last sample is at 00:29:50, the heartbeat timeout is 2m; data returns at 00:35:00.
        Assert.Equal(Start.AddMinutes(31).AddSeconds(50), One("offline", "sensor-04", AlertTransitionKind.Fired).Time);
        Assert.Equal(Start.AddMinutes(35), One("offline", "sensor-04", AlertTransitionKind.Resolved).Time);

        // Stuck from 00:25:00; the flatline rule needs 10 minutes within ±0.01; the value moves again at 00:40:00.
        Assert.Equal(Start.AddMinutes(35), One("stuck", "sensor-01", AlertTransitionKind.Fired).Time);
        Assert.Equal(Start.AddMinutes(40), One("stuck", "sensor-01", AlertTransitionKind.Resolved).Time);

        Assert.InRange(One("pump-vibration-peak", "pump-03", AlertTransitionKind.Fired).Time, Start.AddMinutes(42), Start.AddMinutes(42.5));
        Assert.Contains(alerts, a => a.Data.RuleId == "ramp" && a.Data.Key == "pump-06" && a.Kind == AlertTransitionKind.Fired
            && a.Time >= Start.AddMinutes(47) && a.Time <= Start.AddMinutes(50.5));

        // chiller-17 runs at about 82 °C, under its own override of 90: never an overheat.
        Assert.DoesNotContain(alerts, a => a.Data.RuleId == "overheat" && a.Data.Key == "chiller-17");

        // Every transition is printed on the timeline, in the order of the file.
        var timeline = result.Stdout.Split('\n').SkipWhile(l => l != "Alert timeline (simulated time):").Skip(1).TakeWhile(l => l.Length > 0).ToList();
        Assert.Equal(alerts.Count, timeline.Count);
        Assert.Contains(timeline, l => l.StartsWith("2026-01-01 00:31:50Z  FIRED      warning   offline               sensor-04", StringComparison.Ordinal));
        Assert.Contains("Alerts by rule:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  stuck                    1        1     0  sensor-01", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("\nSummary\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  events        8,610 in ", result.Stdout, StringComparison.Ordinal); // 24 devices × 360 samples − 30 silent
        Assert.Contains("  duplicates    0\n", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Virtual_partitions_raise_the_same_alerts()
    {
        using var dir = new TempDir();
        await CliRunner.RunAsync("demo", "--rules", CliRunner.SampleRules, "--out", dir.File("one.jsonl"), "--duration", "45m");
        var four = await CliRunner.RunAsync("demo", "--rules", CliRunner.SampleRules, "--out", dir.File("four.jsonl"), "--duration", "45m", "--partitions", "4");

        Assert.Equal(0, four.ExitCode);
        var one = await JsonLinesAlertSink.ReadAllAsync(dir.File("one.jsonl"));
        var split = await JsonLinesAlertSink.ReadAllAsync(dir.File("four.jsonl"));

        // Alert ids do not depend on partitioning; only the evidence (partition, sequence numbers) does.
        Assert.NotEmpty(one);
        Assert.Equal(one.Select(a => a.Id).Order(StringComparer.Ordinal), split.Select(a => a.Id).Order(StringComparer.Ordinal));
        Assert.Contains(split, a => a.Data.Evidence.Partition != "0" && a.Data.Evidence.Partition.Length > 0);
    }
}
