using System.Text;
using Pipeline.Core.Alerts;
using Pipeline.Local;

namespace Pipeline.Cli.Tests;

/// <summary>
/// <c>pipeline run</c> applies <c>Pipeline:Retention</c> to its files when it starts (docs/limits.md, Retention): the
/// alerts file keeps 30 days of transitions and the dead-letter file 14 days of letters, by default.
/// </summary>
public sealed class RetentionAtStartTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Each_run_starts_by_removing_the_alerts_and_dead_letters_past_their_retention()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("rules.yaml"), """
            rules:
              - id: hot
                metric: temperature
                when: "> 80"
            """);

        // Day 0: one alert (90 at 00:00:10 crosses 80; the later events pass it through the 5 s reorder buffer) and one
        // dead letter.
        await RunAsync(dir, T0.AddMinutes(1), """
            {"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":70}
            {"deviceId":"d1","ts":"2026-01-01T00:00:10Z","temperature":90}
            {"deviceId":"d1","ts":"2026-01-01T00:00:20Z","temperature":91}
            {"deviceId":"d1","ts":"2026-01-01T00:00:30Z","temperature":92}
            day 0 not json

            """);
        Assert.Equal([(AlertTransitionKind.Fired, T0.AddSeconds(10))], await AlertsAsync(dir));
        Assert.Equal(["day 0 not json"], await DeadLetterBodiesAsync(dir));

        // Day 15: the day-0 letter is past 14 days and goes; the alert (30 days) stays; the new letter is added.
        await RunAsync(dir, T0.AddDays(15), "day 15 not json\n");
        Assert.Equal([(AlertTransitionKind.Fired, T0.AddSeconds(10))], await AlertsAsync(dir));
        Assert.Equal(["day 15 not json"], await DeadLetterBodiesAsync(dir));

        // Day 31: the day-0 alert is past 30 days and goes; the day-15 letter is 16 days old and goes too.
        await RunAsync(dir, T0.AddDays(31), "day 31 not json\n");
        Assert.Empty(await AlertsAsync(dir));
        Assert.Equal(["day 31 not json"], await DeadLetterBodiesAsync(dir));
    }

    private static async Task RunAsync(TempDir dir, DateTimeOffset now, string stdin)
    {
        var context = new Pipeline.Cli.CliContext
        {
            Time = new TimerSignallingTimeProvider(now),
            OpenStdin = () => new MemoryStream(Encoding.UTF8.GetBytes(stdin)),
        };

        var result = await CliRunner.RunAsync(context, ["run", "--source", "stdin", "--http-port", "0", "--rules", dir.File("rules.yaml"), "--sink", "jsonl",
            "--out", dir.File("alerts.jsonl"), "--dead-letters", dir.File("dead.jsonl")]);
        Assert.True(result.ExitCode == 0, result.Stderr);
    }

    private static async Task<List<(AlertTransitionKind, DateTimeOffset)>> AlertsAsync(TempDir dir) =>
        [.. (await JsonLinesAlertSink.ReadAllAsync(dir.File("alerts.jsonl"))).Select(a => (a.Kind, a.Time))];

    private static async Task<List<string>> DeadLetterBodiesAsync(TempDir dir)
    {
        var bodies = new List<string>();
        await foreach (var letter in JsonLinesDeadLetterStore.ReadFileAsync(dir.File("dead.jsonl")))
        {
            bodies.Add(Encoding.UTF8.GetString(letter.Body.Span));
        }

        return bodies;
    }
}
