namespace Pipeline.Core.Rules;

/// <summary>The fields of one rule as read, before the checks that depend on its kind.</summary>
internal sealed class RuleDraft(string? ruleId, DocMap map, Dictionary<string, DocEntry> fields)
{
    public string? RuleId { get; } = ruleId;

    public DocMap Map { get; } = map;

    public Condition? When { get; init; }

    public Condition? Clear { get; init; }

    public IReadOnlyList<SeverityStep>? Ladder { get; init; }

    /// <summary>A field given with a value (null means "not set", as if absent).</summary>
    public DocNode? Node(string name) => RuleSetReader.Optional(fields, name);

    public bool Has(string name) => Node(name) is not null;

    /// <summary>The severity is written as a ladder, which replaces 'when'.</summary>
    public bool LadderGiven => Node("severity") is DocList;

    /// <summary>The line of a field's name, or of the rule when the field is absent.</summary>
    public int LineOf(string name) => fields.TryGetValue(name, out var entry) ? entry.Key.Line : Map.Line;
}

/// <summary>What was read for one rule, with the lines that cross-rule checks report against.</summary>
internal sealed record RuleInfo(Rule Rule, int IdLine, int CompositeLine, IReadOnlyList<(string Id, int Line, string Field)> References);
