
namespace Pipeline.Cli.Tests;

/// <summary>User mistakes end with one line on stderr and a non-zero exit, never a stack trace.</summary>
public sealed class CommandLineErrorTests
{
    private static void AssertOneLineError(CliResult result, string expectedStart)
    {
        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith(expectedStart, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_option()
    {
        AssertOneLineError(await CliRunner.RunAsync("run", "--bogus"), "pipeline: Unrecognized command or argument '--bogus'");
    }

    [Fact]
    public async Task Unknown_command_names_the_word()
    {
        AssertOneLineError(await CliRunner.RunAsync("bogus"), "pipeline: Unrecognized command or argument 'bogus'");
    }

    [Fact]
    public async Task Unknown_source_and_bad_duration()
    {
        AssertOneLineError(await CliRunner.RunAsync("run", "--source", "carrier-pigeon"), "pipeline: --source: 'carrier-pigeon' is not one of sim, http, file, stdin");
        AssertOneLineError(await CliRunner.RunAsync("run", "--for", "soon"), "pipeline: --for: 'soon' is not a duration");
    }

    [Fact]
    public async Task Missing_rules_file()
    {
        using var dir = new TempDir();
        var missing = dir.File("nope.yaml");

        AssertOneLineError(await CliRunner.RunAsync("demo", "--rules", missing), $"pipeline: rules file '{missing}' not found");
    }

    [Fact]
    public async Task Invalid_rules_name_the_first_error_and_point_to_validate()
    {
        using var dir = new TempDir();
        var rules = dir.File("bad.yaml");
        await File.WriteAllTextAsync(rules, "rules:\n  - id: hot\n    metric: temperature\n    when: \"hotter than 80\"\n");

        var result = await CliRunner.RunAsync("run", "--rules", rules, "--for", "1s");

        AssertOneLineError(result, $"pipeline: rules file '{rules}' is invalid: line 4: rule 'hot', field 'when':");
    }

    [Fact]
    public async Task Missing_replay_file_and_missing_file_option()
    {
        using var dir = new TempDir();
        var missing = dir.File("recording.jsonl");

        AssertOneLineError(await CliRunner.RunAsync("replay", missing, "--rules", CliRunner.SampleRules), $"pipeline: telemetry file '{missing}' not found");
        AssertOneLineError(await CliRunner.RunAsync("run", "--source", "file", "--rules", CliRunner.SampleRules), "pipeline: --source file needs --file FILE");
    }

    [Fact]
    public async Task Webhook_sink_without_url_and_tables_without_location()
    {
        AssertOneLineError(await CliRunner.RunAsync("run", "--sink", "webhook", "--rules", CliRunner.SampleRules, "--for", "1s"), "pipeline: --sink webhook needs --webhook-url URL");
        AssertOneLineError(await CliRunner.RunAsync("run", "--state", "tables", "--rules", CliRunner.SampleRules), "pipeline: --state tables needs --tables-uri URI");
    }

    [Fact]
    public async Task A_connection_string_that_is_not_one()
    {
        AssertOneLineError(await CliRunner.RunAsync("run", "--state", "tables", "--tables-connection", "garbage", "--rules", CliRunner.SampleRules),
            "pipeline: --tables-connection is not a usable connection string:");
    }
}
