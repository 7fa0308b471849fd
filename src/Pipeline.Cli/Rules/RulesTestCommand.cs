using System.CommandLine;
using System.Globalization;
using Pipeline.Local;

namespace Pipeline.Cli.Rules;

/// <summary>
/// <c>pipeline rules test FILE...</c>: runs rule test files (<c>*.test.yaml</c>) on the real engine (Pipeline.Local's
/// <see cref="RuleTestFiles"/>) and prints a PASS or FAIL line per test. Exit 0 when every test passes, 1 when one fails
/// (with its diff), 2 when a test or rule file is invalid.
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
            var result = RuleTestFiles.Run(path);
            foreach (var error in result.Errors)
            {
                io.Stderr.WriteLine(error.ToString());
            }

            invalid |= result.Invalid;
            foreach (var (test, outcome) in result.Tests)
            {
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
