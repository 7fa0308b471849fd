using System.Globalization;
using System.Text.RegularExpressions;
using Pipeline.Core.Alerts;
using Pipeline.Core.Time;

namespace Pipeline.Core.Rules;

/// <summary>
/// Turns a <see cref="DocNode"/> tree into a <see cref="RuleSet"/>, collecting every error rather than stopping at
/// the first, so one run of <c>rules validate</c> shows everything to fix.
/// </summary>
internal sealed partial class RuleSetReader(IRuleKindReader kinds)
{
    private static readonly string[] TopFields = ["defaults", "rules", "inhibitions"];
    private static readonly string[] DefaultsFields = ["outOfOrderTolerance", "allowedLateness", "latePolicy", "maxFutureSkew"];

    private static readonly string[] RuleFields =
    [
        "id", "description", "metric", "match", "window", "aggregate", "when", "clear", "severity", "for", "keepFiringFor",
        "overrides", "detector", "composite",
    ];

    private static readonly string[] OverrideFields = ["match", "when", "clear", "severity", "for"];
    private static readonly (string Name, WindowKind Kind, string[] Fields)[] WindowKinds =
    [
        ("tumbling", WindowKind.Tumbling, ["kind", "size"]),
        ("hopping", WindowKind.Hopping, ["kind", "size", "hop"]),
        ("sliding", WindowKind.Sliding, ["kind", "size"]),
        ("session", WindowKind.Session, ["kind", "gap", "maxDuration"]),
    ];

    private static readonly (string Name, AggregateKind Kind)[] Aggregates =
    [
        ("count", AggregateKind.Count), ("sum", AggregateKind.Sum), ("min", AggregateKind.Min), ("max", AggregateKind.Max),
        ("avg", AggregateKind.Avg), ("last", AggregateKind.Last), ("stddev", AggregateKind.StdDev),
        ("rateOfChange", AggregateKind.RateOfChange),
    ];

    private static readonly (string Name, Severity Severity)[] Severities =
    [
        ("info", Severity.Info), ("warning", Severity.Warning), ("error", Severity.Error), ("critical", Severity.Critical),
    ];

    private readonly List<RuleError> _errors = [];

    public RuleSetLoadResult Read(DocNode root)
    {
        if (root is not DocMap top)
        {
            Error(null, string.Empty, "the file must be a mapping with 'rules' (and optional 'defaults'), not " + root.Describe(), root.Line);
            return Result(null);
        }

        var fields = Fields(top, null, string.Empty, TopFields, "the file");
        var defaults = Optional(fields, "defaults") is { } defaultsNode ? ReadDefaults(defaultsNode) : RuleDefaults.Default;

        var infos = new List<RuleInfo>();
        var rulesNode = Optional(fields, "rules");
        if (rulesNode is null)
        {
            Error(null, "rules", "is required: a list of rules, each starting with '- id: ...'", top.Line);
        }
        else if (rulesNode is not DocList list)
        {
            Error(null, "rules", "must be a list of rules, each starting with '- id: ...', not " + rulesNode.Describe(), rulesNode.Line);
        }
        else if (list.Items.Count == 0)
        {
            Error(null, "rules", "must contain at least one rule", list.Line);
        }
        else
        {
            for (var i = 0; i < list.Items.Count; i++)
            {
                if (ReadRule(list.Items[i], i) is { } info)
                {
                    infos.Add(info);
                }
            }

            CheckIds(infos);
            kinds.CheckReferences(this, infos);
        }

        if (_errors.Count > 0)
        {
            return Result(null);
        }

        var rules = infos.Select(i => i.Rule).ToList();
        return Result(new RuleSet(RuleSetVersion.Compute(defaults, rules), defaults, rules));
    }

    private RuleSetLoadResult Result(RuleSet? set) =>
        new(set, [.. _errors.OrderBy(e => e.Line ?? 0)]);

    internal void Error(string? ruleId, string field, string message, int? line) => _errors.Add(new RuleError(ruleId, field, message, line));

    private static string Path(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    private static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The allowed fields of a mapping by name; unknown and repeated names are errors.</summary>
    internal Dictionary<string, DocEntry> Fields(DocMap map, string? ruleId, string prefix, IReadOnlyCollection<string> allowed, string owner)
    {
        var result = new Dictionary<string, DocEntry>(StringComparer.Ordinal);
        foreach (var entry in map.Entries)
        {
            var name = entry.Key.Value;
            if (!allowed.Contains(name))
            {
                Error(ruleId, Path(prefix, name), $"unknown field '{name}' in {owner}" + NameSuggestion.Hint(name, allowed), entry.Key.Line);
            }
            else if (result.TryGetValue(name, out var first))
            {
                Error(ruleId, Path(prefix, name), $"duplicate field '{name}' (first given at line {Invariant(first.Key.Line)})", entry.Key.Line);
            }
            else
            {
                result[name] = entry;
            }
        }

        return result;
    }

    /// <summary>A field's value, or null when absent or written as null (which means "not set").</summary>
    internal static DocNode? Optional(Dictionary<string, DocEntry> fields, string name) =>
        fields.TryGetValue(name, out var entry) && entry.Value is not DocScalar { IsNull: true } ? entry.Value : null;

    internal string? Text(DocNode node, string? ruleId, string field, string expected)
    {
        if (node is DocScalar { IsNull: false } scalar)
        {
            return scalar.Value;
        }

        Error(ruleId, field, $"must be {expected}, not {node.Describe()}", node.Line);
        return null;
    }

    internal string? NonEmptyText(DocNode node, string? ruleId, string field, string expected)
    {
        var text = Text(node, ruleId, field, expected);
        if (text is not null && text.Trim().Length == 0)
        {
            Error(ruleId, field, $"must be {expected}, not empty", node.Line);
            return null;
        }

        return text;
    }

    internal TimeSpan? Duration(DocNode node, string? ruleId, string field, bool positive)
    {
        var expected = positive ? "a positive duration like 30s, 5m, 1h" : "a duration like 0s, 30s, 5m, 1h";
        if (node is not DocScalar { IsNull: false } scalar)
        {
            Error(ruleId, field, $"must be {expected}, not {node.Describe()}", node.Line);
            return null;
        }

        if (!DurationText.TryParse(scalar.Value, out var value) || (positive && value <= TimeSpan.Zero))
        {
            Error(ruleId, field, $"must be {expected} (got '{scalar.Value}')", node.Line);
            return null;
        }

        return value;
    }

    internal double? Number(DocNode node, string? ruleId, string field, Func<double, bool> isValid, string expected)
    {
        var text = Text(node, ruleId, field, expected);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || !isValid(value))
        {
            Error(ruleId, field, $"must be {expected} (got '{text}')", node.Line);
            return null;
        }

        return value;
    }

    internal int? WholeNumber(DocNode node, string? ruleId, string field, Func<int, bool> isValid, string expected)
    {
        var text = Text(node, ruleId, field, expected);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || !isValid(value))
        {
            Error(ruleId, field, $"must be {expected} (got '{text}')", node.Line);
            return null;
        }

        return value;
    }

    internal T? Named<T>(DocNode node, string? ruleId, string field, (string Name, T Value)[] table, string what)
        where T : struct
    {
        var names = table.Select(t => t.Name).ToList();
        var text = Text(node, ruleId, field, $"{what} ({string.Join(", ", names)})");
        if (text is null)
        {
            return null;
        }

        foreach (var (name, value) in table)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        Error(ruleId, field, $"unknown {what} '{text}'" + NameSuggestion.Hint(text, names), node.Line);
        return null;
    }

    private Condition? ReadCondition(DocNode node, string? ruleId, string field)
    {
        var text = Text(node, ruleId, field, "a condition like \"> 80\"");
        if (text is null)
        {
            return null;
        }

        if (!Condition.TryParse(text, out var condition, out var message))
        {
            Error(ruleId, field, message, node.Line);
            return null;
        }

        return condition;
    }

    private RuleDefaults ReadDefaults(DocNode node)
    {
        var d = RuleDefaults.Default;
        if (node is not DocMap map)
        {
            Error(null, "defaults", "must be a mapping like { outOfOrderTolerance: 5s, allowedLateness: 1m }, not " + node.Describe(), node.Line);
            return d;
        }

        var fields = Fields(map, null, "defaults", DefaultsFields, "defaults");
        if (Optional(fields, "outOfOrderTolerance") is { } tolerance && Duration(tolerance, null, "defaults.outOfOrderTolerance", false) is { } t)
        {
            d = d with { Disorder = d.Disorder with { OutOfOrderTolerance = t } };
        }

        if (Optional(fields, "allowedLateness") is { } lateness && Duration(lateness, null, "defaults.allowedLateness", false) is { } l)
        {
            d = d with { Disorder = d.Disorder with { AllowedLateness = l } };
        }

        if (Optional(fields, "maxFutureSkew") is { } skew && Duration(skew, null, "defaults.maxFutureSkew", true) is { } s)
        {
            d = d with { MaxFutureSkew = s };
        }

        if (Optional(fields, "latePolicy") is { } policyNode)
        {
            var names = DisorderPolicy.LatePolicyNames;
            var text = Text(policyNode, null, "defaults.latePolicy", $"a late policy ({string.Join(", ", names)})");
            if (text is not null)
            {
                if (DisorderPolicy.TryParseLatePolicy(text, out var policy))
                {
                    d = d with { Disorder = d.Disorder with { Late = policy } };
                }
                else
                {
                    Error(null, "defaults.latePolicy", $"unknown late policy '{text}'" + NameSuggestion.Hint(text, names), policyNode.Line);
                }
            }
        }

        return d;
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex IdPattern();

    private RuleInfo? ReadRule(DocNode node, int index)
    {
        if (node is not DocMap map)
        {
            Error(null, $"rules[{Invariant(index)}]", "each rule must be a mapping starting with 'id', not " + node.Describe(), node.Line);
            return null;
        }

        // The id names the rule in every other error, so it is taken (even if malformed) before anything else.
        var idEntry = map.Entries.FirstOrDefault(e => e.Key.Value == "id");
        var ruleId = idEntry?.Value is DocScalar { IsNull: false } idScalar && idScalar.Value.Length > 0 ? idScalar.Value : null;

        var fields = Fields(map, ruleId, string.Empty, RuleFields, "a rule");
        var idNode = Optional(fields, "id");
        var id = ReadId(idNode, ruleId, index, map.Line);
        var (rule, draft) = ReadCommonFields(map, fields, ruleId);
        var detector = draft.Node("detector") is { } detectorNode ? kinds.ReadDetector(this, detectorNode, ruleId) : null;
        var (composite, references) = draft.Node("composite") is { } compositeNode ? kinds.ReadComposite(this, compositeNode, ruleId) : (null, []);
        var ruleShape = kinds.CheckRule(this, draft);
        var overrides = draft.Node("overrides") is { } overridesNode
            ? ReadOverrides(overridesNode, ruleId, ruleShape, draft.When, draft.Clear, draft.Ladder)
            : [];

        if (id is null)
        {
            return null;
        }

        rule = rule with { Id = id, Overrides = overrides, Detector = detector, Composite = composite };
        return new RuleInfo(rule, idNode!.Line, draft.LineOf("composite"), references);
    }

    private string? ReadId(DocNode? idNode, string? ruleId, int index, int ruleLine)
    {
        if (idNode is null)
        {
            Error(null, "id", $"is required (rule {Invariant(index + 1)} in the list has none)", ruleLine);
            return null;
        }

        if (NonEmptyText(idNode, ruleId, "id", "a rule id") is not { } idText)
        {
            return null;
        }

        if (IdPattern().IsMatch(idText))
        {
            return idText;
        }

        Error(ruleId, "id", $"must contain only letters, digits, '_', '.' and '-' (got '{idText}')", idNode.Line);
        return null;
    }

    /// <summary>The fields every kind shares (a kind checks which of them it uses), as a rule without id, detector or composite.</summary>
    private (Rule Rule, RuleDraft Draft) ReadCommonFields(DocMap map, Dictionary<string, DocEntry> fields, string? ruleId)
    {
        var description = Optional(fields, "description") is { } descriptionNode ? Text(descriptionNode, ruleId, "description", "text") : null;
        var metric = Optional(fields, "metric") is { } metricNode ? NonEmptyText(metricNode, ruleId, "metric", "a metric name") : null;
        var match = Optional(fields, "match") is { } matchNode ? ReadSelector(matchNode, ruleId, "match", requireLabels: false) : null;
        var window = Optional(fields, "window") is { } windowNode ? ReadWindow(windowNode, ruleId) : null;
        var aggregate = Optional(fields, "aggregate") is { } aggregateNode ? ReadAggregate(aggregateNode, ruleId) : null;
        var when = Optional(fields, "when") is { } whenNode ? ReadCondition(whenNode, ruleId, "when") : null;
        var clear = Optional(fields, "clear") is { } clearNode ? ReadCondition(clearNode, ruleId, "clear") : null;
        var severityNode = Optional(fields, "severity");
        var (severity, ladder) = severityNode is null ? (null, null) : ReadSeverity(severityNode, ruleId, "severity");
        var forValue = Optional(fields, "for") is { } forNode ? Duration(forNode, ruleId, "for", false) : null;
        var keepFiringFor = Optional(fields, "keepFiringFor") is { } keepNode ? Duration(keepNode, ruleId, "keepFiringFor", false) : null;

        var draft = new RuleDraft(ruleId, map, fields) { When = when, Clear = clear, Ladder = ladder };
        var rule = new Rule
        {
            Id = string.Empty, // the caller sets it once it is known to be valid
            Description = description,
            Metric = metric,
            Match = match is { Labels.Count: > 0 } ? match : LabelSelector.Any,
            Window = window,
            Aggregate = aggregate,
            When = draft.LadderGiven ? null : when,
            Clear = clear,
            Ladder = ladder ?? [],
            Severity = severity ?? Severity.Warning,
            For = forValue ?? TimeSpan.Zero,
            KeepFiringFor = keepFiringFor ?? TimeSpan.Zero,
        };
        return (rule, draft);
    }

    /// <summary>A window and an aggregate go together, for the kinds that read them.</summary>
    internal void CheckWindowHasAggregate(RuleDraft rule)
    {
        if (rule.Has("window") && !rule.Has("aggregate"))
        {
            Error(rule.RuleId, "window", "a window needs an 'aggregate' to compute over it (e.g. avg, max, p95)", rule.LineOf("window"));
        }
        else if (rule.Has("aggregate") && !rule.Has("window"))
        {
            Error(rule.RuleId, "aggregate", "needs a 'window' to aggregate over (e.g. { kind: tumbling, size: 1m })", rule.LineOf("aggregate"));
        }
    }

    private LabelSelector? ReadSelector(DocNode node, string? ruleId, string field, bool requireLabels)
    {
        if (node is not DocMap map)
        {
            Error(ruleId, field, "must be a mapping of label to value like { site: plant-7 }, not " + node.Describe(), node.Line);
            return null;
        }

        if (requireLabels && map.Entries.Count == 0)
        {
            Error(ruleId, field, "must name at least one label, like { site: plant-7 }", node.Line);
            return null;
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var ok = true;
        foreach (var entry in map.Entries)
        {
            var name = entry.Key.Value;
            var path = $"{field}.{name}";
            if (name.Length == 0)
            {
                Error(ruleId, field, "label names must not be empty", entry.Key.Line);
                ok = false;
            }
            else if (labels.ContainsKey(name))
            {
                Error(ruleId, path, $"duplicate label '{name}'", entry.Key.Line);
                ok = false;
            }
            else if (Text(entry.Value, ruleId, path, "a label value") is { } value)
            {
                labels[name] = value;
            }
            else
            {
                ok = false;
            }
        }

        return ok ? new LabelSelector(labels) : null;
    }

    private WindowSpec? ReadWindow(DocNode node, string? ruleId)
    {
        if (node is not DocMap map)
        {
            Error(ruleId, "window", "must be a mapping like { kind: tumbling, size: 1m }, not " + node.Describe(), node.Line);
            return null;
        }

        var kindEntry = map.Entries.FirstOrDefault(e => e.Key.Value == "kind");
        if (kindEntry is null)
        {
            Error(ruleId, "window.kind", "is required (tumbling, hopping, sliding or session)", map.Line);
            return null;
        }

        var kind = Named(kindEntry.Value, ruleId, "window.kind", WindowKinds.Select(k => (k.Name, k.Kind)).ToArray(), "window kind");
        if (kind is not { } k)
        {
            return null;
        }

        var shape = WindowKinds.Single(w => w.Kind == k);
        var fields = Fields(map, ruleId, "window", shape.Fields, $"a {shape.Name} window");
        TimeSpan? Required(string name)
        {
            if (Optional(fields, name) is { } value)
            {
                return Duration(value, ruleId, "window." + name, true);
            }

            Error(ruleId, "window." + name, $"is required for a {shape.Name} window", map.Line);
            return null;
        }

        return k switch
        {
            WindowKind.Tumbling => Required("size") is { } tumblingSize ? WindowSpec.Tumbling(tumblingSize) : null,
            WindowKind.Sliding => Required("size") is { } slidingSize ? WindowSpec.Sliding(slidingSize) : null,
            WindowKind.Hopping => Hopping(Required("size"), Required("hop"), fields, ruleId),
            _ => Session(Required("gap"), Required("maxDuration"), fields, ruleId),
        };
    }

    private WindowSpec? Hopping(TimeSpan? size, TimeSpan? hop, Dictionary<string, DocEntry> fields, string? ruleId)
    {
        if (size is null || hop is null)
        {
            return null;
        }

        if (hop > size)
        {
            Error(ruleId, "window.hop", $"must not exceed the window size {DurationText.Format(size.Value)} (got '{DurationText.Format(hop.Value)}'); a larger hop would skip events", fields["hop"].Value.Line);
            return null;
        }

        return WindowSpec.Hopping(size.Value, hop.Value);
    }

    private WindowSpec? Session(TimeSpan? gap, TimeSpan? maxDuration, Dictionary<string, DocEntry> fields, string? ruleId)
    {
        if (gap is null || maxDuration is null)
        {
            return null;
        }

        if (maxDuration < gap)
        {
            Error(ruleId, "window.maxDuration", $"must be at least the gap {DurationText.Format(gap.Value)} (got '{DurationText.Format(maxDuration.Value)}')", fields["maxDuration"].Value.Line);
            return null;
        }

        return WindowSpec.Session(gap.Value, maxDuration.Value);
    }

    private AggregateSpec? ReadAggregate(DocNode node, string? ruleId)
    {
        const string Expected = "an aggregate (count, sum, min, max, avg, last, stddev, rateOfChange or a percentile like p95, p99.9)";
        var text = Text(node, ruleId, "aggregate", Expected);
        if (text is null)
        {
            return null;
        }

        foreach (var (name, kind) in Aggregates)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return new AggregateSpec(kind);
            }
        }

        if (text.Length > 1 && text[0] is 'p' or 'P')
        {
            if (double.TryParse(text.AsSpan(1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percentile)
                && percentile > 0 && percentile < 100)
            {
                return new AggregateSpec(AggregateKind.Percentile, percentile);
            }

            Error(ruleId, "aggregate", $"a percentile must be between p0 and p100, exclusive, like p95 or p99.9 (got '{text}')", node.Line);
            return null;
        }

        Error(ruleId, "aggregate", $"unknown aggregate '{text}'" + NameSuggestion.Hint(text, Aggregates.Select(a => a.Name).Append("p95").ToList()), node.Line);
        return null;
    }

    /// <summary>A single severity name, or a ladder <c>[{warning: "&gt; 70"}, {critical: "&gt; 80"}]</c> (severity = its most severe step).</summary>
    private (Severity? Severity, IReadOnlyList<SeverityStep>? Ladder) ReadSeverity(DocNode node, string? ruleId, string field)
    {
        if (node is not DocList list)
        {
            return (Named(node, ruleId, field, Severities, "severity"), null);
        }

        if (list.Items.Count == 0)
        {
            Error(ruleId, field, "a severity ladder needs at least one step like {warning: \"> 70\"}", node.Line);
            return (null, null);
        }

        var steps = new List<SeverityStep>();
        var stepLines = new List<int>();
        var ok = true;
        for (var i = 0; i < list.Items.Count; i++)
        {
            var item = list.Items[i];
            var path = $"{field}[{Invariant(i)}]";
            if (item is not DocMap { Entries.Count: 1 } step)
            {
                Error(ruleId, path, "each ladder step must be one severity with its condition, like {warning: \"> 70\"}, not " + item.Describe(), item.Line);
                ok = false;
                continue;
            }

            var entry = step.Entries[0];
            var severity = Named(entry.Key, ruleId, path, Severities, "severity");
            var condition = ReadCondition(entry.Value, ruleId, $"{path}.{entry.Key.Value}");
            if (severity is not { } s || condition is not { } c)
            {
                ok = false;
                continue;
            }

            if (steps.FindIndex(x => x.Severity == s) is var previous and >= 0)
            {
                Error(ruleId, path, $"severity '{entry.Key.Value}' appears twice in the ladder (first at line {Invariant(stepLines[previous])})", entry.Key.Line);
                ok = false;
                continue;
            }

            steps.Add(new SeverityStep(s, c));
            stepLines.Add(entry.Key.Line);
        }

        return ok && EveryStepCanDecide(steps, stepLines, ruleId, field) ? (steps.Max(x => x.Severity), steps) : (null, null);
    }

    /// <summary>A step that can only hold when a more severe one holds too never decides the severity: a likely typo.</summary>
    private bool EveryStepCanDecide(List<SeverityStep> steps, List<int> stepLines, string? ruleId, string field)
    {
        var ok = true;
        for (var i = 0; i < steps.Count; i++)
        {
            foreach (var other in steps)
            {
                if (other.Severity > steps[i].Severity && ConditionMath.Implies(steps[i].When, other.When))
                {
                    Error(ruleId, $"{field}[{Invariant(i)}]", $"step '{Name(steps[i].Severity)}: {steps[i].When}' can never decide: whenever it holds, the more severe '{Name(other.Severity)}: {other.When}' holds too", stepLines[i]);
                    ok = false;
                    break;
                }
            }
        }

        return ok;
    }

    private static string Name(Severity severity) => Severities.First(s => s.Severity == severity).Name;

    internal void CheckHysteresis(string? ruleId, string field, int line, Condition when, Condition clear, string clearLabel, string whenLabel)
    {
        if (!ConditionMath.IsOrdering(when))
        {
            Error(ruleId, field, $"{clearLabel} needs {whenLabel} '{when}' to use >, >=, < or <= (hysteresis is a band between two thresholds)", line);
        }
        else if (!ConditionMath.IsOrdering(clear) || ConditionMath.IsUpward(clear) == ConditionMath.IsUpward(when))
        {
            Error(ruleId, field, $"{clearLabel} '{clear}' must be the opposite direction of {whenLabel} '{when}' (use {(ConditionMath.IsUpward(when) ? "< or <=" : "> or >=")})", line);
        }
        else if (ConditionMath.Overlaps(when, clear))
        {
            var side = ConditionMath.IsUpward(when) ? "below" : "above";
            var bound = when.Operator is ComparisonOperator.GreaterOrEqual or ComparisonOperator.LessOrEqual
                && clear.Operator is ComparisonOperator.GreaterOrEqual or ComparisonOperator.LessOrEqual ? side : "at or " + side;
            Error(ruleId, field, $"{clearLabel} '{clear}' overlaps {whenLabel} '{when}' (a value can meet both); its threshold must be {bound} {Invariant(when.Threshold)}", line);
        }
    }

    internal void CheckLadderHysteresis(string? ruleId, string field, int line, IReadOnlyList<SeverityStep> ladder, Condition clear, string clearLabel)
    {
        // The alert fires when any step holds, so clear must exclude every step; checking against each step in turn
        // reports the first one it conflicts with.
        var before = _errors.Count;
        foreach (var step in ladder)
        {
            CheckHysteresis(ruleId, field, line, step.When, clear, clearLabel, $"ladder step '{Name(step.Severity)}'");
            if (_errors.Count > before)
            {
                return;
            }
        }
    }

    /// <summary>The rule an override belongs to: its shape (when, ladder, detector, composite) and the values it may replace.</summary>
    private sealed record OverriddenRule(string? RuleId, string Shape, Condition? When, Condition? Clear, IReadOnlyList<SeverityStep>? Ladder);

    /// <summary>What one override gives; the nodes are null for fields it leaves to the rule.</summary>
    private sealed record OverrideValues(DocNode? WhenNode, DocNode? ClearNode, DocNode? SeverityNode, Condition? When, Condition? Clear, IReadOnlyList<SeverityStep>? Ladder);

    private List<RuleOverride> ReadOverrides(DocNode node, string? ruleId, string ruleShape, Condition? ruleWhen, Condition? ruleClear, IReadOnlyList<SeverityStep>? ruleLadder)
    {
        if (node is not DocList list)
        {
            Error(ruleId, "overrides", "must be a list like [{ match: { site: plant-7 }, when: \"> 85\" }], not " + node.Describe(), node.Line);
            return [];
        }

        var rule = new OverriddenRule(ruleId, ruleShape, ruleWhen, ruleClear, ruleLadder);
        var result = new List<RuleOverride>();
        var seen = new List<(LabelSelector Match, int Index)>();
        for (var i = 0; i < list.Items.Count; i++)
        {
            var item = list.Items[i];
            if (item is not DocMap map)
            {
                Error(ruleId, $"overrides[{Invariant(i)}]", "each override must be a mapping with 'match', not " + item.Describe(), item.Line);
            }
            else if (ReadOverride(map, i, rule, seen) is { } read)
            {
                result.Add(read);
            }
        }

        return result;
    }

    private RuleOverride? ReadOverride(DocMap map, int index, OverriddenRule rule, List<(LabelSelector Match, int Index)> seen)
    {
        var ruleId = rule.RuleId;
        var prefix = $"overrides[{Invariant(index)}]";
        var fields = Fields(map, ruleId, prefix, OverrideFields, "an override");
        var matchNode = Optional(fields, "match");
        LabelSelector? match = null;
        if (matchNode is null)
        {
            Error(ruleId, prefix + ".match", "is required: the labels of the devices the override applies to", map.Line);
        }
        else
        {
            match = ReadSelector(matchNode, ruleId, prefix + ".match", requireLabels: true);
        }

        var whenNode = Optional(fields, "when");
        var when = whenNode is null ? null : ReadCondition(whenNode, ruleId, prefix + ".when");
        var clearNode = Optional(fields, "clear");
        var clear = clearNode is null ? null : ReadCondition(clearNode, ruleId, prefix + ".clear");
        var severityNode = Optional(fields, "severity");
        var (severity, ladder) = severityNode is null ? (null, null) : ReadSeverity(severityNode, ruleId, prefix + ".severity");
        var forNode = Optional(fields, "for");
        var forValue = forNode is null ? null : Duration(forNode, ruleId, prefix + ".for", false);

        if (whenNode is null && clearNode is null && severityNode is null && forNode is null)
        {
            Error(ruleId, prefix, "changes nothing: give at least one of when, clear, severity, for", map.Line);
        }

        if (match is not null)
        {
            var duplicate = seen.FindIndex(s => SameLabels(s.Match, match));
            if (duplicate >= 0)
            {
                Error(ruleId, prefix + ".match", $"the same match as overrides[{Invariant(seen[duplicate].Index)}]: only one of them could ever apply", matchNode!.Line);
            }
            else
            {
                seen.Add((match, index));
            }
        }

        CheckOverrideShape(rule, prefix, new OverrideValues(whenNode, clearNode, severityNode, when, clear, ladder));
        return match is null ? null : new RuleOverride { Match = match, When = when, Clear = clear, Ladder = ladder, Severity = severity, For = forValue };
    }

    /// <summary>An override changes what its rule's shape allows, and its clear stays apart from the condition that will run.</summary>
    private void CheckOverrideShape(OverriddenRule rule, string prefix, OverrideValues given)
    {
        var (ruleId, ruleShape) = (rule.RuleId, rule.Shape);
        var (whenNode, clearNode, severityNode, when, clear, ladder) = given;
        var ladderGiven = severityNode is DocList;
        if (ruleShape is "detector" or "composite")
        {
            foreach (var (name, node) in new[] { ("when", whenNode), ("clear", clearNode) })
            {
                if (node is not null)
                {
                    Error(ruleId, $"{prefix}.{name}", $"a {ruleShape} rule has no condition to override; an override may change severity and for", node.Line);
                }
            }

            if (ladderGiven)
            {
                Error(ruleId, prefix + ".severity", $"a {ruleShape} rule takes a single severity, not a ladder", severityNode!.Line);
            }
        }
        else if (ruleShape == "ladder" && whenNode is not null)
        {
            Error(ruleId, prefix + ".when", "the rule uses a severity ladder, so an override gives a ladder in 'severity', not 'when'", whenNode.Line);
        }
        else if (ruleShape == "ladder" && severityNode is not null && !ladderGiven)
        {
            Error(ruleId, prefix + ".severity", "the rule uses a severity ladder, so an override gives a ladder, not a single severity", severityNode.Line);
        }
        else if (ruleShape == "when" && ladderGiven)
        {
            Error(ruleId, prefix + ".severity", "the rule uses 'when', so an override gives 'when' and a single severity, not a ladder", severityNode!.Line);
        }
        else if (when is not null || clear is not null || ladder is not null)
        {
            // The override's values replace the rule's, the rest is inherited: check the pair that will run.
            var line = clearNode?.Line ?? whenNode?.Line ?? severityNode!.Line;
            var field = clearNode is not null ? prefix + ".clear" : whenNode is not null ? prefix + ".when" : prefix + ".severity";
            var clearLabel = clear is not null ? "clear" : "the rule's clear";
            if ((clear ?? rule.Clear) is not { } c)
            {
                return;
            }

            if (ruleShape == "when" && (when ?? rule.When) is { } w)
            {
                CheckHysteresis(ruleId, field, line, w, c, clearLabel, when is not null ? "when" : "the rule's when");
            }
            else if (ruleShape == "ladder" && (ladder ?? rule.Ladder) is { Count: > 0 } steps)
            {
                CheckLadderHysteresis(ruleId, field, line, steps, c, clearLabel);
            }
        }
    }

    private static bool SameLabels(LabelSelector a, LabelSelector b) =>
        a.Labels.Count == b.Labels.Count && a.Labels.All(p => b.Labels.TryGetValue(p.Key, out var v) && v == p.Value);

    private void CheckIds(List<RuleInfo> infos)
    {
        var first = new Dictionary<string, RuleInfo>(StringComparer.Ordinal);
        foreach (var info in infos)
        {
            if (first.TryGetValue(info.Rule.Id, out var earlier))
            {
                Error(info.Rule.Id, "id", $"duplicate id '{info.Rule.Id}' (first used at line {Invariant(earlier.IdLine)})", info.IdLine);
            }
            else
            {
                first[info.Rule.Id] = info;
            }
        }
    }
}
