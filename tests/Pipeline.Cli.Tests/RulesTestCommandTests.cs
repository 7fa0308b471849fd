using Pipeline.Local.Tests;

namespace Pipeline.Cli.Tests;

public sealed class RulesTestCommandTests
{
    private const string Rules = """
        defaults: { outOfOrderTolerance: 0s }
        rules:
          - { id: hot, metric: temperature, when: "> 80", clear: "< 75", severity: warning }
        """;

    [Fact]
    public async Task The_shipped_rule_tests_pass_against_the_shipped_rules()
    {
        var result = await CliRunner.RunAsync("rules", "test", Path.Combine(AppContext.BaseDirectory, "samples", "rules.test.yaml"));

        Assert.Equal(string.Empty, result.Stderr);
        Assert.Equal(0, result.ExitCode);
        Assert.EndsWith("4 passed, 0 failed\n", result.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_test_prints_expected_against_got_per_line_and_exits_1()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("rules.yaml"), Rules);
        var test = dir.File("hot.test.yaml");
        await File.WriteAllTextAsync(test, """
            rules: rules.yaml
            tests:
              - name: hot fires and clears
                interval: 10s
                devices:
                  - { id: d1, series: { temperature: "70 85 78 70 90" } }
                expect:
                  - { type: fired, rule: hot, device: d1, at: 10s, severity: warning, value: 85 }
                  - { type: resolved, rule: hot, device: d1, at: 20s }
                  - { type: fired, rule: hot, device: d1, at: 40s, severity: critical }
            """.ReplaceLineEndings("\n"));

        var result = await CliRunner.RunAsync("rules", "test", test);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
        [
            $"FAIL {test}:3: hot fires and clears",
            "  transitions (- expected, + got):",
            "      fired hot d1 at 10s warning value=85",         // as expected
            "    - resolved hot d1 at 20s   (line 9)",            // 78 is inside the 75..80 band: not resolved yet
            "    + resolved hot d1 at 30s warning value=70",      // 70 < 75 resolves
            "    - fired hot d1 at 40s critical   (line 10)",     // the rule's severity is warning
            "    + fired hot d1 at 40s warning value=90",
            "0 passed, 1 failed",
        ], result.Stdout.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task A_wrong_expected_state_is_reported_with_its_line()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("rules.yaml"), Rules);
        var test = dir.File("state.test.yaml");
        await File.WriteAllTextAsync(test, """
            rules: rules.yaml
            tests:
              - name: state
                interval: 10s
                devices:
                  - { id: d1, series: { temperature: "85 85" } }
                expectState:
                  - { at: 5s, rule: hot, device: d1, status: inactive }
            """.ReplaceLineEndings("\n"));

        var result = await CliRunner.RunAsync("rules", "test", test);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("  state at 5s of hot d1 (line 8):\n    - inactive\n    + firing warning\n", result.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_in_a_test_file_name_the_file_the_line_and_the_reason()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("rules.yaml"), Rules);
        var test = dir.File("bad.test.yaml");
        await File.WriteAllTextAsync(test, """
            rules: rules.yaml
            tests:
              - name: bad
                interval: 10s
                devices:
                  - { id: d1, series: { temperature: "1+2y3" } }
                expect:
                  - { type: fird, rule: hot, device: d1, at: 10s }
            """.ReplaceLineEndings("\n"));

        var result = await CliRunner.RunAsync("rules", "test", test);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
        [
            $"{test}:6: series 'temperature' '1+2y3' is not a number, '_' or an expansion like '0+10x6'",
            $"{test}:8: unknown transition type 'fird': use fired, resolved, escalated, deescalated or amended",
        ], result.Stderr.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task A_missing_rule_file_is_reported_at_the_rules_line()
    {
        using var dir = new TempDir();
        var test = dir.File("orphan.test.yaml");
        await File.WriteAllTextAsync(test, "# rules for nothing\nrules: nowhere.yaml\ntests:\n  - { name: t, devices: [ { id: d1, series: { x: '1' } } ], expect: [] }\n");

        var result = await CliRunner.RunAsync("rules", "test", test);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"{test}:2: rule file 'nowhere.yaml' not found", result.Stderr, StringComparison.Ordinal);
    }
}
