using System.CommandLine;
using System.Globalization;
using Pipeline.Core.Rules.Testing;

namespace Pipeline.Cli.Rules;

/// <summary>
/// <c>pipeline rules test FILE...</c>: runs rule test files (<c>*.test.yaml</c>) on the real engine. Exit 0 when every
/// test passes, 1 when one fails (with its diff), 2 when a test or rule file is invalid.
/// </summary>
internal static class RulesTestCommand
{
    public static Command Create(CliIo io) => new FlagTable<List<string>>()
        .Arguments("FILE", "Rule test files (*.test.yaml)", (s, v) => s.AddRange(v))
        .Command("test", "Run rule tests: input series per device in, the expected alert transitions out", (files, _) => Task.FromResult(Run(io, files)));

    private static int Run(CliIo io, List<string> paths)
    {
        int passed = 0, failed = 0;
        var invalid = false;
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                throw new UserErrorException($"test file '{path}' not found");
            }

            var (file, errors) = RuleTestReader.Read(File.ReadAllText(path), path);
            if (file is null)
            {
                foreach (var error in errors)
                {
                    io.Stderr.WriteLine(error.ToString());
                }

                invalid = true;
                continue;
            }

            var rulesPath = Path.Combine(Path.GetDirectoryName(path) ?? string.Empty, file.RulesPath);
            if (!File.Exists(rulesPath))
            {
                io.Stderr.WriteLine(new RuleTestError(path, file.RulesLine, $"rule file '{file.RulesPath}' not found (looked for {rulesPath})").ToString());
                invalid = true;
                continue;
            }

            var loaded = RulesFile.Parse(rulesPath, RulesFile.ReadText(rulesPath));
            if (!loaded.Success)
            {
                io.Stderr.WriteLine(new RuleTestError(path, file.RulesLine, $"rule file '{file.RulesPath}' is invalid: {loaded.Errors[0]}").ToString());
                invalid = true;
                continue;
            }

            foreach (var test in file.Tests)
            {
                var outcome = RuleTestRunner.Run(loaded.RuleSet!, test);
                if (outcome.Passed)
                {
                    passed++;
                    io.Stdout.WriteLine($"PASS {path}: {test.Name}");
                    continue;
                }

                failed++;
                io.Stdout.WriteLine($"FAIL {path}:{test.Line.ToString(CultureInfo.InvariantCulture)}: {test.Name}");
                foreach (var line in outcome.Diff)
                {
                    io.Stdout.WriteLine(line);
                }
            }
        }

        io.Stdout.WriteLine(Text.Invariant($"{passed} passed, {failed} failed{(invalid ? ", some files invalid" : string.Empty)}"));
        return invalid ? CommandLine.UsageError : failed > 0 ? 1 : 0;
    }
}
