using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;

namespace Pipeline.Local;

/// <summary>A rule file on disk: read (an <see cref="InputFileException"/> when it cannot be) and loaded in the format its extension names.</summary>
public static class RuleFile
{
    /// <summary>What a rule file is called in the messages about reading it.</summary>
    public const string What = "rules file";

    public static RuleSetLoadResult Load(string path) => RuleSetLoader.Load(InputFile.ReadAllText(path, What), FormatOf(path));

    /// <summary><c>.json</c> is JSON, <c>.yaml</c> and <c>.yml</c> are YAML; any other name lets the loader tell from the text.</summary>
    public static RuleFileFormat FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".json" => RuleFileFormat.Json,
        ".yaml" or ".yml" => RuleFileFormat.Yaml,
        _ => RuleFileFormat.Auto,
    };
}
