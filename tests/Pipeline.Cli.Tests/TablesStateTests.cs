using System.Text;
using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.Alerts;
using Pipeline.Local;

namespace Pipeline.Cli.Tests;

/// <summary><c>run --state tables</c> on Azurite: state outlives the process, so a second run continues the first one's episode.</summary>
[Collection(AzuriteTests.Name)]
public sealed class TablesStateTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    private const string Rules = """
        rules:
          - id: hot
            metric: temperature
            when: "> 80"
            clear: "< 75"
            severity: critical
        """;

    private static string Lines(params (int Minute, double Temperature)[] samples) => string.Concat(samples.Select(s =>
        $"{{\"deviceId\":\"d1\",\"ts\":\"{T0.AddMinutes(s.Minute):yyyy-MM-ddTHH:mm:ssZ}\",\"temperature\":{s.Temperature.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}\n"));

    private async Task<CliResult> RunAsync(TempDir dir, string table, DateTimeOffset now, string input, string alerts) =>
        await CliRunner.RunAsync(
            new Pipeline.Cli.CliContext { Time = new TimerSignallingTimeProvider(now), OpenStdin = () => new MemoryStream(Encoding.UTF8.GetBytes(input)) },
            ["run", "--source", "stdin", "--rules", dir.File("rules.yaml"), "--state", "tables", "--tables-connection", azurite.ConnectionString,
             "--state-table", table, "--sink", "jsonl", "--out", alerts, "--dead-letters", dir.File("dead.jsonl")]);

    [AzuriteFact]
    public async Task A_second_run_continues_the_state_the_first_run_stored()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("rules.yaml"), Rules);
        var table = TestData.UniqueName("cli");

        // First process: 70, 85 (fires at 00:01), 86; the 5 s reorder tolerance keeps 86 buffered in the stored state.
        var first = await RunAsync(dir, table, T0.AddMinutes(10), Lines((0, 70), (1, 85), (2, 86)), dir.File("first.jsonl"));
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("state Azure Tables", first.Stdout, StringComparison.Ordinal);
        var fired = Assert.Single(await JsonLinesAlertSink.ReadAllAsync(dir.File("first.jsonl")));
        Assert.Equal((AlertTransitionKind.Fired, T0.AddMinutes(1), 1L), (fired.Kind, fired.Time, fired.Data.Sequence));

        // Second process, later: 70 at 00:03 is under the clear threshold of 75, so the stored episode resolves.
        var second = await RunAsync(dir, table, T0.AddMinutes(20), Lines((3, 70), (4, 71)), dir.File("second.jsonl"));
        Assert.Equal(0, second.ExitCode);
        var resolved = Assert.Single(await JsonLinesAlertSink.ReadAllAsync(dir.File("second.jsonl")));
        Assert.Equal((AlertTransitionKind.Resolved, T0.AddMinutes(3), 2L), (resolved.Kind, resolved.Time, resolved.Data.Sequence));
        Assert.Equal(fired.Data.EpisodeId, resolved.Data.EpisodeId);

        // New sequence numbers were above the first run's, so nothing was taken for a redelivery.
        Assert.Contains("  duplicates    0\n", second.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_table_name_is_a_user_error()
    {
        var result = await CliRunner.RunAsync("run", "--state", "tables", "--tables-connection", "UseDevelopmentStorage=true", "--state-table", "no-dashes",
            "--rules", CliRunner.SampleRules);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("pipeline: --state-table: 'no-dashes' must be 3 to 54 letters and digits, starting with a letter (NAMEpositions must fit Azure's 63)", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(54, "pipeline: --trace needs")] // 54 + "positions" = 63, Azure's longest: the name passes, the next check (--trace without an endpoint) stops the run
    [InlineData(55, "pipeline: --state-table: ")] // 55 + 9 = 64: the positions table could not be created
    public async Task The_table_name_leaves_room_for_the_positions_suffix(int length, string expectedError)
    {
        var name = "t" + new string('a', length - 1);
        var result = await CliRunner.RunAsync("run", "--state", "tables", "--tables-connection", "UseDevelopmentStorage=true", "--state-table", name,
            "--rules", CliRunner.SampleRules, "--trace");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(expectedError, result.Stderr, StringComparison.Ordinal);
    }
}
