namespace Pipeline.Core.Rules;

/// <summary>Where the active rule set's source text is kept. Callers validate the text (RuleSetLoader) before setting it.</summary>
public interface IRuleStore
{
    /// <summary>The active rules, or null when none were ever set.</summary>
    Task<StoredRuleText?> GetActiveAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces the active rules as one atomic change.</summary>
    Task SetActiveAsync(StoredRuleText rules, CancellationToken cancellationToken = default);
}

/// <summary>Rule set source text. <paramref name="Format"/> is <c>yaml</c> or <c>json</c>; <paramref name="Version"/> is the rule set's content hash.</summary>
public sealed record StoredRuleText(string Text, string Format, string Version, DateTimeOffset UpdatedAt)
{
    public const string Yaml = "yaml";
    public const string Json = "json";

    /// <summary>Throws unless the format is one a store knows how to label (<see cref="Yaml"/> or <see cref="Json"/>).</summary>
    public static void ValidateFormat(string format)
    {
        if (format is not (Yaml or Json))
        {
            throw new ArgumentException($"Rule format must be '{Yaml}' or '{Json}', not '{format}'.", nameof(format));
        }
    }
}
