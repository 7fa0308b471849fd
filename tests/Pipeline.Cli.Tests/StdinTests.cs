using System.Text;
using Pipeline.Core.Alerts;
using Pipeline.Local;

namespace Pipeline.Cli.Tests;

public sealed class StdinTests
{
    [Fact]
    public async Task Run_from_stdin_ends_by_itself_at_the_end_of_input()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("rules.yaml"), """
            rules:
              - id: hot
                metric: temperature
                when: "> 80"
            """);
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var input = string.Join("\n",
            """{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":70}""",
            """{"deviceId":"d1","ts":"2026-01-01T00:00:10Z","temperature":90}""",
            """{"deviceId":"d1","ts":"2026-01-01T00:00:20Z","temperature":91}""",
            """{"deviceId":"d1","ts":"2026-01-01T00:00:30Z","temperature":92}""") + "\n";
        var context = new Pipeline.Cli.CliContext
        {
            Time = new TimerSignallingTimeProvider(t0.AddMinutes(1)),
            OpenStdin = () => new MemoryStream(Encoding.UTF8.GetBytes(input)),
        };

        var result = await CliRunner.RunAsync(context, ["run", "--source", "stdin", "--http-port", "0", "--rules", dir.File("rules.yaml"), "--sink", "jsonl",
            "--out", dir.File("alerts.jsonl"), "--dead-letters", dir.File("dead.jsonl")]);

        Assert.Equal(0, result.ExitCode);

        // 90 at 00:00:10 crosses 80. (The 00:00:30 event waits in the 5 s reorder buffer: no processing time passed.)
        var alert = Assert.Single(await JsonLinesAlertSink.ReadAllAsync(dir.File("alerts.jsonl")));
        Assert.Equal((AlertTransitionKind.Fired, t0.AddSeconds(10)), (alert.Kind, alert.Time));
        Assert.Contains("  events        4 in ", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_bad_line_sent_in_two_runs_is_kept_twice()
    {
        // Each run numbers the records of a source from 0, so a dead-letter id made of (source, number, body) was the
        // same in both runs and the second run's letter was dropped as a "redelivery" although both runs reported it.
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("rules.yaml"), """
            rules:
              - id: hot
                metric: temperature
                when: "> 80"
            """);
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (var start in new[] { t0, t0.AddHours(1) })
        {
            var context = new Pipeline.Cli.CliContext
            {
                Time = new TimerSignallingTimeProvider(start),
                OpenStdin = () => new MemoryStream(Encoding.UTF8.GetBytes("not json\n")),
            };

            var result = await CliRunner.RunAsync(context, ["run", "--source", "stdin", "--http-port", "0", "--rules", dir.File("rules.yaml"), "--sink", "jsonl",
                "--out", dir.File("alerts.jsonl"), "--dead-letters", dir.File("dead.jsonl")]);
            Assert.Equal(0, result.ExitCode);
        }

        var kept = new List<Pipeline.Core.State.DeadLetter>();
        await foreach (var letter in JsonLinesDeadLetterStore.ReadFileAsync(dir.File("dead.jsonl")))
        {
            kept.Add(letter);
        }

        // One letter per run, at that run's arrival time, with different ids.
        Assert.Equal([t0, t0.AddHours(1)], kept.Select(d => d.RecordedAt));
        Assert.All(kept, d => Assert.Equal("not json", Encoding.UTF8.GetString(d.Body.Span)));
        Assert.NotEqual(kept[0].Id, kept[1].Id);
    }
}
