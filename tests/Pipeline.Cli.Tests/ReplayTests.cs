using System.Text;
using Pipeline.Core.Alerts;
using Pipeline.Local;

namespace Pipeline.Cli.Tests;

public sealed class ReplayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Replay_of_a_recording_gives_the_same_alerts_as_the_live_run_that_saw_it()
    {
        using var dir = new TempDir();

        // Live: the simulated fleet on a fake clock starting at T0, stepped one wait at a time for 40 minutes.
        var time = new TimerSignallingTimeProvider(T0);
        var live = CliRunner.RunAsync(new Pipeline.Cli.CliContext { Time = time },
            ["run", "--source", "sim", "--devices", "6", "--seed", "42", "--for", "40m", "--rules", CliRunner.SampleRules,
             "--sink", "jsonl", "--out", dir.File("live.jsonl"), "--dead-letters", dir.File("live-dead.jsonl")]);
        await time.DriveUntilDoneAsync(live);
        Assert.Equal(0, (await live).ExitCode);

        // The same fleet recorded to a file, then replayed as fast as possible.
        var record = await CliRunner.RunAsync("simulate", "--out", dir.File("recording.jsonl"), "--devices", "6", "--seed", "42", "--for", "40m",
            "--start", "2026-01-01T00:00:00Z");
        Assert.Equal(0, record.ExitCode);
        var replay = await CliRunner.RunAsync("replay", dir.File("recording.jsonl"), "--rules", CliRunner.SampleRules,
            "--out", dir.File("replay.jsonl"), "--dead-letters", dir.File("replay-dead.jsonl"));
        Assert.Equal(0, replay.ExitCode);
        Assert.Empty(replay.Stderr);

        var liveAlerts = await JsonLinesAlertSink.ReadAllAsync(dir.File("live.jsonl"));
        var replayed = await JsonLinesAlertSink.ReadAllAsync(dir.File("replay.jsonl"));

        // Six devices: sensor-01, chiller-02, pump-03, sensor-04, chiller-05, chiller-17. In 40 minutes the schedule
        // overheats chiller-02 (10-21 min), sticks sensor-01's pressure (25-40 min) and silences chiller-05 (30-35 min).
        Assert.Contains(liveAlerts, a => a.Data.RuleId == "overheat" && a.Data.Key == "chiller-02" && a.Kind == AlertTransitionKind.Fired);
        Assert.Contains(liveAlerts, a => a.Data.RuleId == "stuck" && a.Data.Key == "sensor-01" && a.Kind == AlertTransitionKind.Fired);
        Assert.Contains(liveAlerts, a => a.Data.RuleId == "offline" && a.Data.Key == "chiller-05" && a.Time == T0.AddMinutes(31).AddSeconds(50));

        // The same transitions with the same ids. Only the order of alerts found in the same batch can differ: live
        // sweeps every second, a replay processes a whole instant of the recording at once.
        static IEnumerable<(string Id, string Type, string Subject, DateTimeOffset Time)> Identity(IEnumerable<AlertEvent> alerts) =>
            alerts.Select(a => (a.Id, a.Type, a.Subject, a.Time)).OrderBy(a => a.Time).ThenBy(a => a.Id, StringComparer.Ordinal);
        Assert.Equal(Identity(liveAlerts), Identity(replayed));
    }

    [Fact]
    public async Task The_end_of_the_file_is_not_time_passing()
    {
        using var dir = new TempDir();

        // Three minutes of data: every device's last sample is at 00:02:50, under the 2-minute heartbeat from the end.
        var record = await CliRunner.RunAsync("simulate", "--out", dir.File("short.jsonl"), "--devices", "6", "--for", "3m", "--start", "2026-01-01T00:00:00Z");
        Assert.Equal(0, record.ExitCode);

        var replay = await CliRunner.RunAsync("replay", dir.File("short.jsonl"), "--rules", CliRunner.SampleRules,
            "--out", dir.File("alerts.jsonl"), "--dead-letters", dir.File("dead.jsonl"));

        Assert.Equal(0, replay.ExitCode);
        var alerts = await JsonLinesAlertSink.ReadAllAsync(dir.File("alerts.jsonl"));
        string[] fleet = ["sensor-01", "chiller-02", "pump-03", "sensor-04", "chiller-05", "chiller-17"];
        Assert.DoesNotContain(alerts, a => a.Data.RuleId == "offline" && fleet.Contains(a.Data.Key));

        // chiller-18 is expected by the rules but never reports: silent since the stream began, it is offline at 00:02:00.
        var missing = Assert.Single(alerts, a => a.Data.RuleId == "offline" && a.Data.Key == "chiller-18");
        Assert.Equal(T0.AddMinutes(2), missing.Time);
        Assert.Contains("  events        108 in ", replay.Stdout, StringComparison.Ordinal); // 6 devices × 18 samples
    }

    [Fact]
    public async Task Bad_lines_are_dead_lettered_with_their_line_numbers_and_the_rest_is_replayed()
    {
        using var dir = new TempDir();
        var path = dir.File("mixed.jsonl");
        var lines = new[]
        {
            """{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":20}""",
            "not json at all",
            "",
            """{"deviceId":"d1","ts":"2026-01-01T00:00:10Z"}""",
            """{"deviceId":"d1","ts":"2026-01-01T00:00:20Z","temperature":21}""",
        };
        await File.WriteAllTextAsync(path, string.Join("\n", lines) + "\n");

        var replay = await CliRunner.RunAsync("replay", path, "--rules", CliRunner.SampleRules, "--out", dir.File("alerts.jsonl"),
            "--dead-letters", dir.File("dead.jsonl"));

        Assert.Equal(0, replay.ExitCode);
        var letters = new List<Pipeline.Core.State.DeadLetter>();
        await foreach (var letter in JsonLinesDeadLetterStore.ReadFileAsync(dir.File("dead.jsonl")))
        {
            letters.Add(letter);
        }

        Assert.Equal(["not json at all", lines[3]], letters.Select(l => Encoding.UTF8.GetString(l.Body.Span)));
        Assert.StartsWith("NotJson: line 2: ", letters[0].Detail, StringComparison.Ordinal);
        Assert.StartsWith("NoNumericMetric: line 4: ", letters[1].Detail, StringComparison.Ordinal);
        Assert.Contains("  events        4 in ", replay.Stdout, StringComparison.Ordinal);
        Assert.Contains("  dead letters  2: 2 malformed", replay.Stdout, StringComparison.Ordinal);

        // Every line is accounted for once: the blank line is no event, two decode, two are dead-lettered.
        Assert.Contains("  accounting    in 4 = applied 2 + duplicate 0 + late 0 + dead-lettered 2 + quarantined 0", replay.Stdout, StringComparison.Ordinal);
    }
}
