using System.CommandLine;
using Pipeline.Core.Rules;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary><c>pipeline rules validate FILE</c>: every error with rule id, field and line, or a summary of a valid file.</summary>
internal static class RulesCommand
{
    public static Command Create(CliIo io)
    {
        var rules = new Command("rules", "Work with rule files");
        rules.Subcommands.Add(new FlagTable<List<string>>()
            .Argument("FILE", "Rule file, YAML or JSON", (s, v) => s.Add(v))
            .Command("validate", "Check a rule file: a summary when it is valid, every error (rule id, field, line) when not", (files, _) => Task.FromResult(Validate(io, files[0]))));
        rules.Subcommands.Add(Rules.RulesTestCommand.Create(io));
        rules.Subcommands.Add(Rules.RulesDiffCommand.Create(io));
        return rules;
    }

    private static int Validate(CliIo io, string path)
    {
        var resolved = RulesFile.Resolve(path);
        var result = RuleFile.Load(resolved);
        if (!result.Success)
        {
            foreach (var error in result.Errors)
            {
                io.Stderr.WriteLine($"{path}: {error}");
            }

            io.Stderr.WriteLine(Text.Invariant($"{path}: invalid, {result.Errors.Count} error(s)"));
            return 1;
        }

        var set = result.RuleSet!;
        var o = io.Stdout;
        var d = set.Defaults;
        o.WriteLine(Text.Invariant($"{path}: valid, {set.Rules.Count} rule{(set.Rules.Count == 1 ? string.Empty : "s")}, version {set.Version}"));
        o.WriteLine($"  defaults: outOfOrderTolerance {DurationText.Format(d.OutOfOrderTolerance)}, allowedLateness {DurationText.Format(d.AllowedLateness)}, latePolicy {Pipeline.Core.Time.DisorderPolicy.NameOf(d.LatePolicy)}, maxFutureSkew {DurationText.Format(d.MaxFutureSkew)}");
        var width = Math.Max(4, set.Rules.Max(r => r.Id.Length));
        foreach (var rule in set.Rules)
        {
            o.WriteLine($"  {rule.Id.PadRight(width)}  {RuleDescription.Describe(rule)}");
        }

        return 0;
    }
}
