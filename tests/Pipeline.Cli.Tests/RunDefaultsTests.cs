
namespace Pipeline.Cli.Tests;

public sealed class RunDefaultsTests
{
    [Fact]
    public async Task Without_options_run_feeds_the_simulated_fleet_to_the_console_and_the_jsonl_file()
    {
        using var dir = new TempDir();
        var t0 = new DateTimeOffset(2026, 5, 1, 9, 0, 0, TimeSpan.Zero);
        var time = new TimerSignallingTimeProvider(t0);

        var run = CliRunner.RunAsync(new Pipeline.Cli.CliContext { Time = time },
            ["run", "--for", "30s", "--out", dir.File("alerts.jsonl"), "--dead-letters", dir.File("dead.jsonl"), "--rules", CliRunner.SampleRules]);
        await time.DriveUntilDoneAsync(run);
        var result = await run;

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Stderr);
        Assert.Contains("  simulated fleet: 24 devices, one sample each every 10s, seed 42, from 2026-05-01 09:00:00Z", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("alerts to console, jsonl (", result.Stdout, StringComparison.Ordinal);

        // Samples at 09:00:00, :10 and :20 (the run stops at :30): 3 × 24 events, none of them alerting yet.
        Assert.Contains("  events        72 in ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  alerts        0 delivered", result.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(dir.File("alerts.jsonl")));
    }
}
