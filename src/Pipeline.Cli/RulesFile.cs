using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;

namespace Pipeline.Cli;

/// <summary>Finds, reads and validates the rule file of a command.</summary>
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
            if (!File.Exists(given))
            {
                throw new UserErrorException(Directory.Exists(given) ? $"rules file '{given}' is a directory" : $"rules file '{given}' not found");
            }

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

    public static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"cannot read rules file '{path}': {ex.Message}", ex);
        }
    }

    public static RuleSetLoadResult Parse(string path, string text) => RuleSetLoader.Load(text, FormatOf(path));

    /// <summary>Loads a valid rule set or throws a one-line user error naming the first problem.</summary>
    public static (RuleSet Rules, string Path) Load(string? given)
    {
        var path = Resolve(given);
        var result = Parse(path, ReadText(path));
        if (result.Success)
        {
            return (result.RuleSet!, path);
        }

        var more = result.Errors.Count > 1 ? $" (and {result.Errors.Count - 1} more: run 'pipeline rules validate {path}')" : string.Empty;
        throw new UserErrorException($"rules file '{path}' is invalid: {result.Errors[0]}{more}");
    }

    private static RuleFileFormat FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".json" => RuleFileFormat.Json,
        ".yaml" or ".yml" => RuleFileFormat.Yaml,
        _ => RuleFileFormat.Auto,
    };
}
