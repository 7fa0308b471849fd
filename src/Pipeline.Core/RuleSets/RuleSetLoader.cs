using Pipeline.Core.Rules;
using Pipeline.Core.Rules.Kinds;

namespace Pipeline.Core.RuleSets;

/// <summary>
/// Loads and validates a rule file (docs/rules.md) from text; reading the file is the caller's job, so the engine
/// stays free of I/O. Either every rule is valid and a versioned <see cref="RuleSet"/> comes back, or none does and
/// every error is listed with its rule id, field and line. The file's inhibitions are part of the set
/// (<see cref="RuleSet.Inhibitions"/>): an invalid inhibitions section rejects the whole file too.
/// </summary>
public static class RuleSetLoader
{
    public static RuleSetLoadResult Load(string text, RuleFileFormat format = RuleFileFormat.Auto)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (root, error) = RuleDocument.Parse(text, format);
        if (root is null)
        {
            return new RuleSetLoadResult(null, [error ?? new RuleError(null, string.Empty, "the file could not be read", 1)]);
        }

        var result = new RuleSetReader(RuleKindRegistry.Reader).Read(root);
        if (result.RuleSet is not { } set)
        {
            return result;
        }

        if (RuleSetLimits.Check(set) is { Count: > 0 } exceeded)
        {
            return new RuleSetLoadResult(null, exceeded);
        }

        // Inhibitions name rules of this set: read and checked with it, so a bad section rejects the whole file.
        var (inhibitions, inhibitionErrors) = InhibitionReader.Read(root, [.. set.Rules.Select(r => r.Id)]);
        if (inhibitionErrors.Count > 0)
        {
            return new RuleSetLoadResult(null, inhibitionErrors);
        }

        return inhibitions.Count == 0
            ? result
            : result with { RuleSet = set with { Version = RuleSetVersion.Compute(set.Defaults, set.Rules, inhibitions), Inhibitions = inhibitions } };
    }

    /// <summary>
    /// The version a rule set with these contents gets: a hash of the model, not the text, so the same rules written
    /// in YAML or JSON, or reformatted, have the same version. Useful for rule sets built in code.
    /// </summary>
    public static string ComputeVersion(RuleDefaults defaults, IReadOnlyList<Rule> rules)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(rules);
        return RuleSetVersion.Compute(defaults, rules);
    }
}
