
namespace Pipeline.Cli.Tests;

public sealed class RulesValidateTests
{
    [Fact]
    public async Task A_valid_file_exits_zero_with_a_summary()
    {
        using var dir = new TempDir();
        var path = dir.File("rules.yaml");
        await File.WriteAllTextAsync(path, """
            defaults: { outOfOrderTolerance: 10s, allowedLateness: 2m, latePolicy: deadLetter, maxFutureSkew: 1m }
            rules:
              - id: overheat
                metric: temperature
                match: { deviceType: chiller }
                window: { kind: tumbling, size: 1m }
                aggregate: avg
                when: "> 80"
                for: 2m
                severity: critical
              - { id: offline, detector: { kind: heartbeat, timeout: 2m } }
              - { id: hot-and-offline, composite: { all: [overheat, offline] }, severity: critical }
            """.ReplaceLineEndings("\n"));

        var result = await CliRunner.RunAsync("rules", "validate", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Stderr);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        Assert.StartsWith($"{path}: valid, 3 rules, version v-", lines[0], StringComparison.Ordinal);
        Assert.Equal("  defaults: outOfOrderTolerance 10s, allowedLateness 2m, latePolicy deadLetter, maxFutureSkew 1m", lines[1]);
        Assert.Equal("  overheat         [deviceType=chiller] avg(temperature) over tumbling 1m > 80 for 2m critical", lines[2]);
        Assert.Equal("  offline          heartbeat warning", lines[3]);
        Assert.Equal("  hot-and-offline  composite all of overheat, offline critical", lines[4]);
    }

    [Fact]
    public async Task The_shipped_sample_rules_are_valid()
    {
        var result = await CliRunner.RunAsync("rules", "validate", CliRunner.SampleRules);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith($"{CliRunner.SampleRules}: valid, ", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_file_lists_every_error_with_rule_field_and_line()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.yaml");
        await File.WriteAllTextAsync(path, """
            rules:
              - id: hot
                metric: temperature
                when: "> 80"
              - id: cold
                metric: temperature
                window: { kind: tumbling, size: -1m }
                aggregate: avg
                when: "below 5"
            """.ReplaceLineEndings("\n"));

        var result = await CliRunner.RunAsync("rules", "validate", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Stdout);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith($"{path}: line 7: rule 'cold', field 'window.size': ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"{path}: line 9: rule 'cold', field 'when': ", lines[1], StringComparison.Ordinal);
        Assert.Equal($"{path}: invalid, 2 error(s)", lines[2]);
    }

    [Fact]
    public async Task A_missing_file_is_a_user_error()
    {
        using var dir = new TempDir();
        var missing = dir.File("missing.yaml");

        var result = await CliRunner.RunAsync("rules", "validate", missing);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"pipeline: rules file '{missing}' not found\n", result.Stderr.ReplaceLineEndings("\n"));
    }
}
