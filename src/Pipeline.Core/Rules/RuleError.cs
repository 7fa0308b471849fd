namespace Pipeline.Core.Rules;

/// <summary>
/// One problem in a rule file. <see cref="RuleId"/> is null outside a rule (defaults, syntax) or when the rule has
/// no usable id; <see cref="Field"/> is a path inside the rule (<c>window.size</c>, <c>overrides[1].when</c>) or inside
/// the file for top-level problems (<c>defaults.latePolicy</c>); <see cref="Line"/> is 1-based.
/// </summary>
public sealed record RuleError(string? RuleId, string Field, string Message, int? Line)
{
    /// <summary>For example <c>line 12: rule 'overheat', field 'window.size': must be a positive duration like 30s, 5m, 1h (got '-1m')</c>.</summary>
    public override string ToString()
    {
        var where = new List<string>(2);
        if (RuleId is not null)
        {
            where.Add($"rule '{RuleId}'");
        }

        if (Field.Length > 0)
        {
            where.Add($"field '{Field}'");
        }

        var location = where.Count > 0 ? string.Join(", ", where) + ": " : string.Empty;
        var line = Line is { } n ? $"line {n.ToString(System.Globalization.CultureInfo.InvariantCulture)}: " : string.Empty;
        return line + location + Message;
    }
}

/// <summary>The outcome of loading a rule file: a rule set, or every error found (never a partial set).</summary>
public sealed record RuleSetLoadResult(RuleSet? RuleSet, IReadOnlyList<RuleError> Errors)
{
    public bool Success => RuleSet is not null && Errors.Count == 0;
}
