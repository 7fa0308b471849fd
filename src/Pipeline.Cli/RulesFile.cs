using Pipeline.Core.Rules;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary>Finds the rule file of a command and loads it (Pipeline.Local's <see cref="RuleFile"/>), telling an invalid one as a user error.</summary>
internal static class RulesFile
{
    public const string DefaultPath = "samples/rules.yaml";

    /// <summary>
    /// The path to use: the given one (it must exist), or <c>samples/rules.yaml</c> in the current directory, or the
    /// copy shipped next to the program, so the default works from the repository root and from anywhere else.
    /// </summary>
    public static string Resolve(string? given)
    {
        if (given is not null)
        {
            InputFile.MustExist(given, RuleFile.What);
            return given;
        }

        if (File.Exists(DefaultPath))
        {
            return DefaultPath;
        }

        var shipped = Path.Combine(AppContext.BaseDirectory, "samples", "rules.yaml");
        if (File.Exists(shipped))
        {
            return shipped;
        }

        throw new UserErrorException($"no rules file: {DefaultPath} is not in the current directory or next to the program; pass --rules FILE");
    }

    /// <summary>Loads a valid rule set or throws a one-line user error naming the first problem.</summary>
    public static (RuleSet Rules, string Path) Load(string? given)
    {
        var path = Resolve(given);
        var result = RuleFile.Load(path);
        if (result.Success)
        {
            return (result.RuleSet!, path);
        }

        var more = result.Errors.Count > 1 ? $" (and {result.Errors.Count - 1} more: run 'pipeline rules validate {path}')" : string.Empty;
        throw new UserErrorException($"rules file '{path}' is invalid: {result.Errors[0]}{more}");
    }
}
