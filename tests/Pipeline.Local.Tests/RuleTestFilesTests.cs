using Pipeline.Local;

namespace Pipeline.Local.Tests;

/// <summary><see cref="RuleTestFiles"/>: a rule test file from disk, its rule file found beside it, each test's outcome.</summary>
public sealed class RuleTestFilesTests
{
    private const string Tests = """
        rules: ../rules/hot.yaml
        tests:
          - name: hot fires and clears
            interval: 10s
            devices:
              - { id: d1, series: { temperature: "70 85 70" } }
            expect:
              - { type: fired, rule: hot, device: d1, at: 10s }
              - { type: resolved, rule: hot, device: d1, at: 20s }
          - name: hot never clears
            interval: 10s
            devices:
              - { id: d1, series: { temperature: "70 85 70" } }
            expect:
              - { type: fired, rule: hot, device: d1, at: 10s }
        """;

    private static async Task<(TempDir Dir, string Test)> WriteAsync(string tests, string? rules = Samples.HotRules)
    {
        var dir = new TempDir();
        Directory.CreateDirectory(dir.File("rules"));
        Directory.CreateDirectory(dir.File("tests"));
        if (rules is not null)
        {
            await File.WriteAllTextAsync(dir.File("rules/hot.yaml"), rules);
        }

        var test = dir.File("tests/hot.test.yaml");
        await File.WriteAllTextAsync(test, tests.ReplaceLineEndings("\n"));
        return (dir, test);
    }

    [Fact]
    public async Task Each_test_runs_against_the_rule_file_named_relative_to_the_test_file()
    {
        var (dir, test) = await WriteAsync(Tests);
        using var scope = dir;

        var result = RuleTestFiles.Run(test);

        Assert.False(result.Invalid);
        Assert.Equal(
        [
            ("hot fires and clears", 3, true),
            ("hot never clears", 10, false),  // the resolve at 20 s is not expected
        ], result.Tests.Select(t => (t.Test.Name, t.Test.Line, t.Outcome.Passed)));
        Assert.Contains(result.Tests[1].Outcome.Diff, line => line.StartsWith("    + resolved hot d1 at 20s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_or_invalid_rule_file_is_an_error_at_the_rules_line()
    {
        var (missingDir, missing) = await WriteAsync(Tests, rules: null);
        using var missingScope = missingDir;
        var (invalidDir, invalid) = await WriteAsync("# the rule file\n" + Tests, rules: "rules: [ { id: hot } ]");
        using var invalidScope = invalidDir;

        var notFound = RuleTestFiles.Run(missing);
        var broken = RuleTestFiles.Run(invalid);

        Assert.True(notFound.Invalid);
        Assert.Empty(notFound.Tests);
        Assert.Equal(
            $"{missing}:1: rule file '../rules/hot.yaml' not found (looked for {Path.Combine(missingDir.File("tests"), "../rules/hot.yaml")})",
            Assert.Single(notFound.Errors).ToString());
        Assert.StartsWith($"{invalid}:2: rule file '../rules/hot.yaml' is invalid: ", Assert.Single(broken.Errors).ToString(), StringComparison.Ordinal);
        Assert.Empty(broken.Tests);
    }

    [Fact]
    public async Task Errors_in_the_test_file_give_no_tests_and_a_missing_test_file_cannot_be_read()
    {
        var (dir, test) = await WriteAsync(Tests.Replace("type: fired", "type: fird", StringComparison.Ordinal));
        using var scope = dir;

        var result = RuleTestFiles.Run(test);
        var missing = Assert.Throws<InputFileException>(() => RuleTestFiles.Run(dir.File("tests/absent.test.yaml")));

        Assert.Equal(2, result.Errors.Count);                  // both 'fird' lines, each with its line
        Assert.All(result.Errors, e => Assert.Contains("unknown transition type 'fird'", e.Message, StringComparison.Ordinal));
        Assert.Empty(result.Tests);
        Assert.Equal($"test file '{dir.File("tests/absent.test.yaml")}' not found", missing.Message);
    }
}
