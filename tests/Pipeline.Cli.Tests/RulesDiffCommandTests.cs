namespace Pipeline.Cli.Tests;

/// <summary><c>pipeline rules diff</c> on the rule files and recordings in RulesDiff/; the expected reports are written by hand.</summary>
public sealed class RulesDiffCommandTests
{
    private static string File(string name) => Path.Combine(AppContext.BaseDirectory, "RulesDiff", name);

    private static string[] Lines(string text) => text.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');

    [Fact]
    public async Task Differences_are_listed_per_rule_and_device_with_a_summary_and_exit_1()
    {
        var result = await CliRunner.RunAsync("rules", "diff", File("old.yaml"), File("new.yaml"), "--over", File("changes.jsonl"));

        Assert.Equal(string.Empty, result.Stderr);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
        [
            $"rules diff: {File("old.yaml")} -> {File("new.yaml")} over {File("changes.jsonl")} (6 records)",
            "- removed hot d1: 2026-01-01T00:00:10Z to 2026-01-01T00:00:20Z warning value=83",   // 83 is not above the new 85
            "+ added surge d2: 2026-01-01T00:00:10Z to 2026-01-01T00:00:20Z critical value=96",  // the new rule
            "1 added, 1 removed, 0 changed, 1 unchanged",                                         // hot on d2 (96) fires in both
        ], Lines(result.Stdout));
    }

    [Fact]
    public async Task A_recording_on_which_both_rule_sets_agree_exits_0()
    {
        var result = await CliRunner.RunAsync("rules", "diff", File("old.yaml"), File("new.yaml"), "--over", File("quiet.jsonl"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
        [
            $"rules diff: {File("old.yaml")} -> {File("new.yaml")} over {File("quiet.jsonl")} (4 records)",
            "0 added, 0 removed, 0 changed, 1 unchanged",  // 90 and 88 are above both thresholds; 70 resolves both
        ], Lines(result.Stdout));
    }

    [Fact]
    public async Task Json_gives_the_summary_and_each_difference_with_both_episodes()
    {
        var result = await CliRunner.RunAsync("rules", "diff", File("old.yaml"), File("new.yaml"), "--over", File("changes.jsonl"), "--json");

        Assert.Equal(1, result.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Equal(File("changes.jsonl"), root.GetProperty("recording").GetString());
        Assert.Equal("""{"added":1,"removed":1,"changed":0,"unchanged":1}""", root.GetProperty("summary").GetRawText().Replace(" ", string.Empty, StringComparison.Ordinal).ReplaceLineEndings(string.Empty));
        var removed = root.GetProperty("differences")[0];
        Assert.Equal("removed", removed.GetProperty("change").GetString());
        Assert.Equal("hot", removed.GetProperty("rule").GetString());
        Assert.Equal("d1", removed.GetProperty("device").GetString());
        Assert.Equal("2026-01-01T00:00:10Z", removed.GetProperty("old").GetProperty("start").GetString());
        Assert.Equal("2026-01-01T00:00:20Z", removed.GetProperty("old").GetProperty("end").GetString());
        Assert.Equal("warning", removed.GetProperty("old").GetProperty("severity").GetString());
        Assert.Equal(83, removed.GetProperty("old").GetProperty("value").GetDouble());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, removed.GetProperty("new").ValueKind);
        var added = root.GetProperty("differences")[1];
        Assert.Equal("added", added.GetProperty("change").GetString());
        Assert.Equal("surge", added.GetProperty("rule").GetString());
        Assert.Equal("critical", added.GetProperty("new").GetProperty("severity").GetString());
        Assert.Equal(2, root.GetProperty("differences").GetArrayLength());
    }

    [Fact]
    public async Task A_missing_recording_is_a_usage_error_with_exit_2()
    {
        var result = await CliRunner.RunAsync("rules", "diff", File("old.yaml"), File("new.yaml"), "--over", File("absent.jsonl"));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"pipeline: recording '{File("absent.jsonl")}' not found\n", result.Stderr.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Without_over_the_command_is_a_usage_error_with_exit_2()
    {
        var result = await CliRunner.RunAsync("rules", "diff", File("old.yaml"), File("new.yaml"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--over", result.Stderr, StringComparison.Ordinal);
    }
}
