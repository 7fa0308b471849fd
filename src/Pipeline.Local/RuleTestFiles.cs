using Pipeline.Core.Rules.Testing;

namespace Pipeline.Local;

/// <summary>
/// What one rule test file gave: the problems that kept it from running (in the test file, or its rule file missing
/// or invalid, each at a line of the test file), or each of its tests with the outcome.
/// </summary>
public sealed record RuleTestFileResult(string Path, IReadOnlyList<RuleTestError> Errors, IReadOnlyList<(RuleTestCase Test, RuleTestOutcome Outcome)> Tests)
{
    public bool Invalid => Errors.Count > 0;
}

/// <summary>Runs rule test files (<c>*.test.yaml</c>) from disk on the real engine (Core's <see cref="RuleTestRunner"/>).</summary>
public static class RuleTestFiles
{
    /// <summary>What a test file is called in the messages about reading it.</summary>
    public const string What = "test file";

    /// <summary>
    /// Reads the test file, loads the rule file it names (relative to the test file's folder) and runs each test. A test
    /// file or rule file that cannot be read throws an <see cref="InputFileException"/>; a missing or invalid rule file is
    /// an error at the test file's <c>rules:</c> line, so the other files still run.
    /// </summary>
    public static RuleTestFileResult Run(string path)
    {
        var (file, errors) = RuleTestReader.Read(InputFile.ReadAllText(path, What), path);
        if (file is null)
        {
            return new RuleTestFileResult(path, errors, []);
        }

        var rulesPath = Path.Combine(Path.GetDirectoryName(path) ?? string.Empty, file.RulesPath);
        if (!File.Exists(rulesPath))
        {
            return new RuleTestFileResult(path, [new RuleTestError(path, file.RulesLine, $"rule file '{file.RulesPath}' not found (looked for {rulesPath})")], []);
        }

        var loaded = RuleFile.Load(rulesPath);
        if (!loaded.Success)
        {
            return new RuleTestFileResult(path, [new RuleTestError(path, file.RulesLine, $"rule file '{file.RulesPath}' is invalid: {loaded.Errors[0]}")], []);
        }

        return new RuleTestFileResult(path, [], file.Tests.Select(test => (test, RuleTestRunner.Run(loaded.RuleSet!, test))).ToList());
    }
}
