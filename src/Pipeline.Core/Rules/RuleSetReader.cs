using System.Globalization;
using System.Text.RegularExpressions;
using Pipeline.Core.Alerts;
using Pipeline.Core.Time;

namespace Pipeline.Core.Rules;

/// <summary>
/// Turns a <see cref="DocNode"/> tree into a <see cref="RuleSet"/>, collecting every error rather than stopping at
/// the first, so one run of <c>rules validate</c> shows everything to fix.
/// </summary>
internal sealed partial class RuleSetReader
{
    private static readonly string[] TopFields = ["defaults", "rules"];
    private static readonly string[] DefaultsFields = ["outOfOrderTolerance", "allowedLateness", "latePolicy", "maxFutureSkew"];

    private static readonly string[] RuleFields =
    [
        "id", "description", "metric", "match", "window", "aggregate", "when", "clear", "severity", "for", "keepFiringFor",
        "overrides", "detector", "composite",
    ];

    private static readonly string[] OverrideFields = ["match", "when", "clear", "severity", "for"];
    private static readonly string[] CompositeFields = ["all", "any"];

    private static readonly (string Name, WindowKind Kind, string[] Fields)[] WindowKinds =
    [
        ("tumbling", WindowKind.Tumbling, ["kind", "size"]),
        ("hopping", WindowKind.Hopping, ["kind", "size", "hop"]),
        ("sliding", WindowKind.Sliding, ["kind", "size"]),
        ("session", WindowKind.Session, ["kind", "gap", "maxDuration"]),
    ];

    private static readonly (string Name, string[] Fields)[] DetectorKinds =
    [
        ("zscore", ["kind", "history", "threshold", "warmup"]),
        ("ewma", ["kind", "alpha", "threshold", "warmup"]),
        ("heartbeat", ["kind", "timeout", "expected"]),
        ("flatline", ["kind", "duration", "tolerance"]),
        ("rateOfChange", ["kind", "maxPerSecond"]),
        ("mad", ["kind", "history", "threshold", "warmup"]),
        ("spikeAndDip", ["kind", "history", "threshold", "warmup", "mode"]),
        ("changePoint", ["kind", "threshold", "drift", "warmup"]),
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

    /// <summary>Bounds the per-key history a zscore rule keeps (8 bytes a value), so state stays small by construction.</summary>
    internal const int MaxHistory = 4096;

    private const int DefaultZScoreHistory = 300;
    private const double DefaultThreshold = 4;
    private const int DefaultWarmup = 30;
    private const double DefaultAlpha = 0.1;
    private const double DefaultRobustThreshold = 3.5;
    private const int DefaultSpikeHistory = 120;
    private const double DefaultChangeThreshold = 5;
    private const double DefaultChangeDrift = 0.5;

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
            CheckComposites(infos);
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

    private void Error(string? ruleId, string field, string message, int? line) => _errors.Add(new RuleError(ruleId, field, message, line));

    private static string Path(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    private static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The allowed fields of a mapping by name; unknown and repeated names are errors.</summary>
    private Dictionary<string, DocEntry> Fields(DocMap map, string? ruleId, string prefix, IReadOnlyCollection<string> allowed, string owner)
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
    private static DocNode? Optional(Dictionary<string, DocEntry> fields, string name) =>
        fields.TryGetValue(name, out var entry) && entry.Value is not DocScalar { IsNull: true } ? entry.Value : null;

    private string? Text(DocNode node, string? ruleId, string field, string expected)
    {
        if (node is DocScalar { IsNull: false } scalar)
        {
            return scalar.Value;
        }

        Error(ruleId, field, $"must be {expected}, not {node.Describe()}", node.Line);
        return null;
    }

    private string? NonEmptyText(DocNode node, string? ruleId, string field, string expected)
    {
        var text = Text(node, ruleId, field, expected);
        if (text is not null && text.Trim().Length == 0)
        {
            Error(ruleId, field, $"must be {expected}, not empty", node.Line);
            return null;
        }

        return text;
    }

    private TimeSpan? Duration(DocNode node, string? ruleId, string field, bool positive)
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

    private double? Number(DocNode node, string? ruleId, string field, Func<double, bool> isValid, string expected)
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

    private int? WholeNumber(DocNode node, string? ruleId, string field, Func<int, bool> isValid, string expected)
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

    private T? Named<T>(DocNode node, string? ruleId, string field, (string Name, T Value)[] table, string what)
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

    /// <summary>What was read for one rule, with the lines that cross-rule checks report against.</summary>
    private sealed record RuleInfo(Rule Rule, int IdLine, int CompositeLine, IReadOnlyList<(string Id, int Line, string Field)> References);

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
        string? id = null;
        var idNode = Optional(fields, "id");
        if (idNode is null)
        {
            Error(null, "id", $"is required (rule {Invariant(index + 1)} in the list has none)", map.Line);
        }
        else if (NonEmptyText(idNode, ruleId, "id", "a rule id") is { } idText)
        {
            if (IdPattern().IsMatch(idText))
            {
                id = idText;
            }
            else
            {
                Error(ruleId, "id", $"must contain only letters, digits, '_', '.' and '-' (got '{idText}')", idNode.Line);
            }
        }

        int LineOf(string name) => fields.TryGetValue(name, out var entry) ? entry.Key.Line : map.Line;

        var description = Optional(fields, "description") is { } descriptionNode ? Text(descriptionNode, ruleId, "description", "text") : null;
        var metricNode = Optional(fields, "metric");
        var metric = metricNode is null ? null : NonEmptyText(metricNode, ruleId, "metric", "a metric name");
        var match = Optional(fields, "match") is { } matchNode ? ReadSelector(matchNode, ruleId, "match", requireLabels: false) : null;
        var windowNode = Optional(fields, "window");
        var window = windowNode is null ? null : ReadWindow(windowNode, ruleId);
        var aggregateNode = Optional(fields, "aggregate");
        var aggregate = aggregateNode is null ? null : ReadAggregate(aggregateNode, ruleId);
        var whenNode = Optional(fields, "when");
        var when = whenNode is null ? null : ReadCondition(whenNode, ruleId, "when");
        var clearNode = Optional(fields, "clear");
        var clear = clearNode is null ? null : ReadCondition(clearNode, ruleId, "clear");
        var severityNode = Optional(fields, "severity");
        var (severity, ladder) = severityNode is null ? (null, null) : ReadSeverity(severityNode, ruleId, "severity");
        var forValue = Optional(fields, "for") is { } forNode ? Duration(forNode, ruleId, "for", false) : null;
        var keepFiringFor = Optional(fields, "keepFiringFor") is { } keepNode ? Duration(keepNode, ruleId, "keepFiringFor", false) : null;
        var detectorNode = Optional(fields, "detector");
        var detector = detectorNode is null ? null : ReadDetector(detectorNode, ruleId);
        var compositeNode = Optional(fields, "composite");
        var (composite, references) = compositeNode is null ? (null, []) : ReadComposite(compositeNode, ruleId);

        // What kind of rule this is decides which fields belong; the kind comes from the presence of detector/composite.
        var ladderGiven = severityNode is DocList;
        var detectorKind = detectorNode is DocMap detectorMap && detectorMap.Entries.FirstOrDefault(e => e.Key.Value == "kind")?.Value is DocScalar kindScalar
            ? DetectorKinds.Select(d => d.Name).FirstOrDefault(n => string.Equals(n, kindScalar.Value, StringComparison.OrdinalIgnoreCase))
            : null;
        var isHeartbeat = detectorKind == "heartbeat";
        if (compositeNode is not null)
        {
            if (detectorNode is not null)
            {
                Error(ruleId, "composite", "a rule is either a detector or a composite, not both", LineOf("composite"));
            }

            foreach (var name in new[] { "metric", "window", "aggregate", "when", "clear" })
            {
                if (Optional(fields, name) is not null)
                {
                    Error(ruleId, name, "is not used by a composite rule (it combines the alerts of other rules)", LineOf(name));
                }
            }

            if (ladderGiven)
            {
                Error(ruleId, "severity", "a composite rule takes a single severity, not a ladder", LineOf("severity"));
            }
        }
        else if (detectorNode is not null)
        {
            var kindName = detectorKind ?? "detector";
            foreach (var name in new[] { "when", "clear" })
            {
                if (Optional(fields, name) is not null)
                {
                    Error(ruleId, name, $"is not used by a detector rule (the {kindName} detector decides when to fire)", LineOf(name));
                }
            }

            if (ladderGiven)
            {
                Error(ruleId, "severity", "a detector rule takes a single severity, not a ladder", LineOf("severity"));
            }

            if (isHeartbeat)
            {
                foreach (var name in new[] { "metric", "window", "aggregate" })
                {
                    if (Optional(fields, name) is not null)
                    {
                        Error(ruleId, name, "is not used by a heartbeat rule (it watches for any data from a device)", LineOf(name));
                    }
                }
            }
            else
            {
                if (metricNode is null && detectorKind is not null)
                {
                    // Only for a known kind: an unknown kind is already reported and may be a misspelled heartbeat.
                    Error(ruleId, "metric", $"is required for a {kindName} detector", LineOf("detector"));
                }

                // Detectors judge each event's value; windowed aggregates are for threshold rules.
                foreach (var name in new[] { "window", "aggregate" })
                {
                    if (Optional(fields, name) is not null)
                    {
                        Error(ruleId, name, "is not used by a detector rule (detectors judge each event's value; use a threshold rule for window aggregates)", LineOf(name));
                    }
                }
            }
        }
        else
        {
            if (metricNode is null)
            {
                Error(ruleId, "metric", "is required for a threshold rule", map.Line);
            }

            if (whenNode is not null && ladderGiven)
            {
                Error(ruleId, "when", "a severity ladder replaces 'when': remove 'when', or give a single severity", LineOf("when"));
            }
            else if (whenNode is null && !ladderGiven)
            {
                Error(ruleId, "when", "a threshold rule needs 'when' (e.g. \"> 80\") or a severity ladder (or use 'detector' or 'composite')", map.Line);
            }

            if (clear is { } c && clearNode is not null)
            {
                if (when is { } w)
                {
                    CheckHysteresis(ruleId, "clear", clearNode.Line, w, c, "clear", "when");
                }
                else if (ladder is { Count: > 0 })
                {
                    CheckLadderHysteresis(ruleId, "clear", clearNode.Line, ladder, c, "clear");
                }
            }
        }

        if (compositeNode is null && !isHeartbeat)
        {
            if (windowNode is not null && aggregateNode is null)
            {
                Error(ruleId, "window", "a window needs an 'aggregate' to compute over it (e.g. avg, max, p95)", LineOf("window"));
            }
            else if (aggregateNode is not null && windowNode is null)
            {
                Error(ruleId, "aggregate", "needs a 'window' to aggregate over (e.g. { kind: tumbling, size: 1m })", LineOf("aggregate"));
            }
        }

        var ruleShape = compositeNode is not null ? "composite" : detectorNode is not null ? "detector" : ladderGiven ? "ladder" : "when";
        var overrides = Optional(fields, "overrides") is { } overridesNode
            ? ReadOverrides(overridesNode, ruleId, ruleShape, when, clear, ladder)
            : [];

        if (id is null)
        {
            return null;
        }

        var rule = new Rule
        {
            Id = id,
            Description = description,
            Metric = metric,
            Match = match is { Labels.Count: > 0 } ? match : LabelSelector.Any,
            Window = window,
            Aggregate = aggregate,
            When = ladderGiven ? null : when,
            Clear = clear,
            Ladder = ladder ?? [],
            Severity = severity ?? Severity.Warning,
            For = forValue ?? TimeSpan.Zero,
            KeepFiringFor = keepFiringFor ?? TimeSpan.Zero,
            Overrides = overrides,
            Detector = detector,
            Composite = composite,
        };
        return new RuleInfo(rule, idNode!.Line, LineOf("composite"), references);
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

        switch (k)
        {
            case WindowKind.Tumbling:
                return Required("size") is { } tumblingSize ? WindowSpec.Tumbling(tumblingSize) : null;
            case WindowKind.Sliding:
                return Required("size") is { } slidingSize ? WindowSpec.Sliding(slidingSize) : null;
            case WindowKind.Hopping:
                {
                    var size = Required("size");
                    var hop = Required("hop");
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

            default:
                {
                    var gap = Required("gap");
                    var maxDuration = Required("maxDuration");
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
        }
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

        if (!ok)
        {
            return (null, null);
        }

        // A step that can only hold when a more severe one holds too never decides the severity: a likely typo.
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

        return ok ? (steps.Max(x => x.Severity), steps) : (null, null);
    }

    private static string Name(Severity severity) => Severities.First(s => s.Severity == severity).Name;

    private void CheckHysteresis(string? ruleId, string field, int line, Condition when, Condition clear, string clearLabel, string whenLabel)
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

    private void CheckLadderHysteresis(string? ruleId, string field, int line, IReadOnlyList<SeverityStep> ladder, Condition clear, string clearLabel)
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

    private List<RuleOverride> ReadOverrides(DocNode node, string? ruleId, string ruleShape, Condition? ruleWhen, Condition? ruleClear, IReadOnlyList<SeverityStep>? ruleLadder)
    {
        if (node is not DocList list)
        {
            Error(ruleId, "overrides", "must be a list like [{ match: { site: plant-7 }, when: \"> 85\" }], not " + node.Describe(), node.Line);
            return [];
        }

        var result = new List<RuleOverride>();
        var seen = new List<(LabelSelector Match, int Index)>();
        for (var i = 0; i < list.Items.Count; i++)
        {
            var item = list.Items[i];
            var prefix = $"overrides[{Invariant(i)}]";
            if (item is not DocMap map)
            {
                Error(ruleId, prefix, "each override must be a mapping with 'match', not " + item.Describe(), item.Line);
                continue;
            }

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
                    seen.Add((match, i));
                }
            }

            var ladderGiven = severityNode is DocList;
            if (ruleShape is "detector" or "composite")
            {
                foreach (var (name, given) in new[] { ("when", whenNode), ("clear", clearNode) })
                {
                    if (given is not null)
                    {
                        Error(ruleId, $"{prefix}.{name}", $"a {ruleShape} rule has no condition to override; an override may change severity and for", given.Line);
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
                var effectiveClear = clear ?? ruleClear;
                var line = clearNode?.Line ?? whenNode?.Line ?? severityNode!.Line;
                var field = clearNode is not null ? prefix + ".clear" : whenNode is not null ? prefix + ".when" : prefix + ".severity";
                var clearLabel = clear is not null ? "clear" : "the rule's clear";
                if (effectiveClear is { } c)
                {
                    if (ruleShape == "when" && (when ?? ruleWhen) is { } w)
                    {
                        CheckHysteresis(ruleId, field, line, w, c, clearLabel, when is not null ? "when" : "the rule's when");
                    }
                    else if (ruleShape == "ladder" && (ladder ?? ruleLadder) is { Count: > 0 } steps)
                    {
                        CheckLadderHysteresis(ruleId, field, line, steps, c, clearLabel);
                    }
                }
            }

            if (match is not null)
            {
                result.Add(new RuleOverride
                {
                    Match = match,
                    When = when,
                    Clear = clear,
                    Ladder = ladder,
                    Severity = severity,
                    For = forValue,
                });
            }
        }

        return result;
    }

    private static bool SameLabels(LabelSelector a, LabelSelector b) =>
        a.Labels.Count == b.Labels.Count && a.Labels.All(p => b.Labels.TryGetValue(p.Key, out var v) && v == p.Value);

    private DetectorSpec? ReadDetector(DocNode node, string? ruleId)
    {
        if (node is not DocMap map)
        {
            Error(ruleId, "detector", "must be a mapping like { kind: zscore, threshold: 4 }, not " + node.Describe(), node.Line);
            return null;
        }

        var kindEntry = map.Entries.FirstOrDefault(e => e.Key.Value == "kind");
        if (kindEntry is null)
        {
            Error(ruleId, "detector.kind", $"is required ({string.Join(", ", DetectorKinds.Select(d => d.Name))})", map.Line);
            return null;
        }

        var kindIndex = Named(kindEntry.Value, ruleId, "detector.kind", DetectorKinds.Select((d, i) => (d.Name, i)).ToArray(), "detector kind");
        if (kindIndex is not { } index)
        {
            return null;
        }

        var (kind, allowed) = DetectorKinds[index];
        var fields = Fields(map, ruleId, "detector", allowed, $"a {kind} detector");
        var ok = true;

        double NumberField(string name, double fallback, Func<double, bool> isValid, string expected)
        {
            if (Optional(fields, name) is not { } value)
            {
                return fallback;
            }

            var parsed = Number(value, ruleId, "detector." + name, isValid, expected);
            ok &= parsed is not null;
            return parsed ?? fallback;
        }

        int WholeField(string name, int fallback, Func<int, bool> isValid, string expected)
        {
            if (Optional(fields, name) is not { } value)
            {
                return fallback;
            }

            var parsed = WholeNumber(value, ruleId, "detector." + name, isValid, expected);
            ok &= parsed is not null;
            return parsed ?? fallback;
        }

        TimeSpan RequiredDuration(string name)
        {
            if (Optional(fields, name) is { } value)
            {
                var parsed = Duration(value, ruleId, "detector." + name, true);
                ok &= parsed is not null;
                return parsed ?? TimeSpan.Zero;
            }

            Error(ruleId, "detector." + name, $"is required for a {kind} detector", map.Line);
            ok = false;
            return TimeSpan.Zero;
        }

        double RequiredNumber(string name, Func<double, bool> isValid, string expected)
        {
            if (Optional(fields, name) is null)
            {
                Error(ruleId, "detector." + name, $"is required for a {kind} detector ({expected})", map.Line);
                ok = false;
                return 0;
            }

            return NumberField(name, 0, isValid, expected);
        }

        int Warmup(int bound, bool bounded)
        {
            var warmup = WholeField("warmup", bounded ? Math.Min(DefaultWarmup, bound) : DefaultWarmup, v => v >= 0 && (!bounded || v <= bound),
                bounded ? $"a whole number from 0 to the history {Invariant(bound)}" : "a whole number ≥ 0");
            return warmup;
        }

        DetectorSpec spec;
        switch (kind)
        {
            case "zscore":
                {
                    var history = WholeField("history", DefaultZScoreHistory, v => v is >= 2 and <= MaxHistory, $"a whole number from 2 to {Invariant(MaxHistory)}");
                    var threshold = NumberField("threshold", DefaultThreshold, v => v > 0, "a number > 0 (standard deviations)");
                    spec = new ZScoreDetectorSpec(history, threshold, Warmup(history, ok));
                    break;
                }

            case "ewma":
                {
                    var alpha = NumberField("alpha", DefaultAlpha, v => v is > 0 and <= 1, "a number in (0, 1]");
                    var threshold = NumberField("threshold", DefaultThreshold, v => v > 0, "a number > 0 (standard deviations)");
                    spec = new EwmaDetectorSpec(alpha, threshold, Warmup(0, false));
                    break;
                }

            case "heartbeat":
                {
                    var timeout = RequiredDuration("timeout");
                    spec = new HeartbeatDetectorSpec(timeout, ReadExpected(Optional(fields, "expected"), ruleId, ref ok));
                    break;
                }

            case "flatline":
                {
                    var duration = RequiredDuration("duration");
                    var tolerance = NumberField("tolerance", 0, v => v >= 0, "a number ≥ 0");
                    spec = new FlatlineDetectorSpec(duration, tolerance);
                    break;
                }

            case "rateOfChange":
                spec = new RateOfChangeDetectorSpec(RequiredNumber("maxPerSecond", v => v > 0, "a number > 0 (units per second)"));
                break;

            case "mad":
                {
                    var history = WholeField("history", DefaultZScoreHistory, v => v is >= 3 and <= MaxHistory, $"a whole number from 3 to {Invariant(MaxHistory)}");
                    var threshold = NumberField("threshold", DefaultRobustThreshold, v => v > 0, "a number > 0 (robust deviations)");
                    spec = new MadDetectorSpec(history, threshold, Warmup(history, ok));
                    break;
                }

            case "spikeAndDip":
                {
                    var history = WholeField("history", DefaultSpikeHistory, v => v is >= 3 and <= MaxHistory, $"a whole number from 3 to {Invariant(MaxHistory)}");
                    var threshold = NumberField("threshold", DefaultRobustThreshold, v => v > 0, "a number > 0 (robust deviations)");
                    var mode = SpikeMode.Both;
                    if (Optional(fields, "mode") is { } modeNode)
                    {
                        var parsed = Named(modeNode, ruleId, "detector.mode", [("both", SpikeMode.Both), ("spikes", SpikeMode.Spikes), ("dips", SpikeMode.Dips)], "mode");
                        ok &= parsed is not null;
                        mode = parsed ?? SpikeMode.Both;
                    }

                    spec = new SpikeAndDipDetectorSpec(history, threshold, Warmup(history, ok), mode);
                    break;
                }

            default:
                {
                    var threshold = NumberField("threshold", DefaultChangeThreshold, v => v > 0, "a number > 0 (cumulative standard deviations)");
                    var drift = NumberField("drift", DefaultChangeDrift, v => v >= 0, "a number ≥ 0 (standard deviations allowed per value)");
                    var warmup = WholeField("warmup", DefaultWarmup, v => v is >= 2 and <= MaxHistory, $"a whole number from 2 to {Invariant(MaxHistory)}");
                    spec = new ChangePointDetectorSpec(threshold, drift, warmup);
                    break;
                }
        }

        return ok ? spec : null;
    }

    private List<string> ReadExpected(DocNode? node, string? ruleId, ref bool ok)
    {
        if (node is null)
        {
            return [];
        }

        if (node is not DocList list)
        {
            Error(ruleId, "detector.expected", "must be a list of device ids, not " + node.Describe(), node.Line);
            ok = false;
            return [];
        }

        var ids = new List<string>();
        for (var i = 0; i < list.Items.Count; i++)
        {
            var path = $"detector.expected[{Invariant(i)}]";
            if (NonEmptyText(list.Items[i], ruleId, path, "a device id") is not { } deviceId)
            {
                ok = false;
            }
            else if (ids.Contains(deviceId))
            {
                Error(ruleId, path, $"device '{deviceId}' is listed twice", list.Items[i].Line);
                ok = false;
            }
            else
            {
                ids.Add(deviceId);
            }
        }

        return ids;
    }

    private (CompositeSpec? Spec, IReadOnlyList<(string Id, int Line, string Field)> References) ReadComposite(DocNode node, string? ruleId)
    {
        if (node is not DocMap map || map.Entries.Count == 0)
        {
            Error(ruleId, "composite", "must be { all: [rule ids] } or { any: [rule ids] }, not " + node.Describe(), node.Line);
            return (null, []);
        }

        var fields = Fields(map, ruleId, "composite", CompositeFields, "a composite");
        if (fields.Count != 1)
        {
            if (fields.Count > 1)
            {
                Error(ruleId, "composite", "give either 'all' or 'any', not both", map.Line);
            }

            return (null, []);
        }

        var (modeName, entry) = fields.Single();
        var mode = modeName == "all" ? CompositeMode.All : CompositeMode.Any;
        var field = "composite." + modeName;
        if (entry.Value is not DocList list || list.Items.Count == 0)
        {
            Error(ruleId, field, "must be a non-empty list of rule ids like [overheat, offline]" + (entry.Value is DocList ? string.Empty : ", not " + entry.Value.Describe()), entry.Value.Line);
            return (null, []);
        }

        var ids = new List<string>();
        var references = new List<(string Id, int Line, string Field)>();
        for (var i = 0; i < list.Items.Count; i++)
        {
            var path = $"{field}[{Invariant(i)}]";
            if (NonEmptyText(list.Items[i], ruleId, path, "a rule id") is not { } refId)
            {
                continue;
            }

            if (ids.Contains(refId))
            {
                Error(ruleId, path, $"rule '{refId}' is listed twice", list.Items[i].Line);
                continue;
            }

            ids.Add(refId);
            references.Add((refId, list.Items[i].Line, path));
        }

        return (new CompositeSpec(mode, ids), references);
    }

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

    private void CheckComposites(List<RuleInfo> infos)
    {
        var byId = new Dictionary<string, RuleInfo>(StringComparer.Ordinal);
        foreach (var info in infos)
        {
            byId.TryAdd(info.Rule.Id, info);
        }

        foreach (var info in infos)
        {
            foreach (var (refId, line, field) in info.References)
            {
                if (refId == info.Rule.Id)
                {
                    Error(info.Rule.Id, field, "a composite rule cannot refer to itself", line);
                }
                else if (!byId.ContainsKey(refId))
                {
                    var closest = NameSuggestion.Closest(refId, byId.Keys);
                    Error(info.Rule.Id, field, $"no rule has the id '{refId}'" + (closest is null ? string.Empty : $" (did you mean '{closest}'?)"), line);
                }
            }
        }

        // A cycle through other composites would make each wait for the other forever; self-references are reported above.
        foreach (var info in infos)
        {
            if (info.Rule.Composite is null || FindCycle(info.Rule.Id, byId) is not { } cycle)
            {
                continue;
            }

            Error(info.Rule.Id, "composite", "composite rules refer to each other in a cycle: " + string.Join(" -> ", cycle), info.CompositeLine);
        }
    }

    /// <summary>The shortest path start → … → start through other rules' composite references, or null.</summary>
    private static List<string>? FindCycle(string start, Dictionary<string, RuleInfo> byId)
    {
        var parent = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            if (!byId.TryGetValue(current, out var info) || info.Rule.Composite is null)
            {
                continue;
            }

            foreach (var next in info.Rule.Composite.RuleIds)
            {
                if (next == start)
                {
                    if (current == start)
                    {
                        continue;
                    }

                    var path = new List<string> { start };
                    for (var node = current; node != start; node = parent[node])
                    {
                        path.Insert(1, node);
                    }

                    path.Add(start);
                    return path;
                }

                if (next != start && parent.TryAdd(next, current))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return null;
    }
}
