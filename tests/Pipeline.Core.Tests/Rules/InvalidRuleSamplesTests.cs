using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;

namespace Pipeline.Core.Tests.Rules;

/// <summary>
/// samples/invalid-rules: each rule file is rejected with the error its sibling <c>.expected</c> file names (rule id,
/// field, line and a part of the message, counted by hand), so users can read the files as examples of each error.
/// </summary>
public class InvalidRuleSamplesTests
{
    private static readonly string[] RuleFileExtensions = [".yaml", ".yml", ".json"];

    private static string Folder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
            {
                return Path.Combine(dir.FullName, "samples", "invalid-rules");
            }
        }

        throw new InvalidOperationException("no Pipeline.sln above " + AppContext.BaseDirectory);
    }

    private static IEnumerable<string> RuleFiles() =>
        Directory.EnumerateFiles(Folder()).Where(f => RuleFileExtensions.Contains(Path.GetExtension(f))).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static TheoryData<string> Samples() => [.. RuleFiles()];

    /// <summary>The four lines of an <c>.expected</c> file; an empty <c>rule:</c> means the error names no rule.</summary>
    private static (string? RuleId, string Field, int Line, string Message) ReadExpectation(string sample)
    {
        var path = Path.ChangeExtension(Path.Combine(Folder(), sample), ".expected");
        Assert.True(File.Exists(path), $"{sample} has no expectation file {Path.GetFileName(path)}");
        var lines = File.ReadAllLines(path);
        string[] keys = ["rule", "field", "line", "message"];
        Assert.True(lines.Length == keys.Length, $"{Path.GetFileName(path)} must have exactly the lines {string.Join(", ", keys.Select(k => k + ":"))}");
        var values = new string[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            var prefix = keys[i] + ":";
            Assert.True(lines[i].StartsWith(prefix, StringComparison.Ordinal), $"{Path.GetFileName(path)} line {i + 1} must start with '{prefix}'");
            values[i] = lines[i][prefix.Length..].Trim();
        }

        Assert.True(int.TryParse(values[2], out var line) && line > 0, $"{Path.GetFileName(path)}: 'line:' must be a line number");
        Assert.NotEqual(string.Empty, values[3]);
        return (values[0].Length == 0 ? null : values[0], values[1], line, values[3]);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Each_sample_is_rejected_with_its_expected_error(string sample)
    {
        var (ruleId, field, line, message) = ReadExpectation(sample);

        var result = RuleSetLoader.Load(File.ReadAllText(Path.Combine(Folder(), sample)), RuleFileFormat.Auto);

        Assert.False(result.Success);
        Assert.Null(result.RuleSet);
        Assert.True(
            result.Errors.Any(e => e.RuleId == ruleId && e.Field == field && e.Line == line && e.Message.Contains(message, StringComparison.Ordinal)),
            $"{sample}: expected line {line}: rule '{ruleId}', field '{field}': …{message}…; got:{Environment.NewLine}{string.Join(Environment.NewLine, result.Errors)}");
    }

    [Fact]
    public void Every_sample_has_an_expectation_and_every_expectation_a_sample()
    {
        var samples = RuleFiles().Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.Ordinal);
        var expectations = Directory.EnumerateFiles(Folder(), "*.expected").Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(samples.Except(expectations));
        Assert.Empty(expectations.Except(samples));
        Assert.NotEmpty(samples);
    }
}
