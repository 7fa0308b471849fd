namespace Pipeline.Core.Rules.Kinds;

/// <summary>Reads a rule's <c>detector</c> mapping through its kind, and checks the rule fields a detector rule uses.</summary>
internal static class DetectorReader
{
    public static DetectorSpec? Read(RuleSetReader reader, DocNode node, string? ruleId)
    {
        if (node is not DocMap map)
        {
            reader.Error(ruleId, "detector", "must be a mapping like { kind: zscore, threshold: 4 }, not " + node.Describe(), node.Line);
            return null;
        }

        var detectors = RuleKindRegistry.Detectors;
        var kindEntry = map.Entries.FirstOrDefault(e => e.Key.Value == "kind");
        if (kindEntry is null)
        {
            reader.Error(ruleId, "detector.kind", $"is required ({string.Join(", ", detectors.Select(d => d.Name))})", map.Line);
            return null;
        }

        if (reader.Named(kindEntry.Value, ruleId, "detector.kind", detectors.Select((d, i) => (d.Name, i)).ToArray(), "detector kind") is not { } index)
        {
            return null;
        }

        var kind = detectors[index];
        var fields = new DetectorFields(reader, ruleId, kind.Name, map, reader.Fields(map, ruleId, "detector", kind.Fields, $"a {kind.Name} detector"));
        var spec = kind.Read(fields);
        return fields.Ok ? spec : null;
    }

    /// <summary>
    /// The rule fields of a detector rule; <paramref name="kind"/> is null for an unknown kind, which is already reported
    /// (and may be a misspelled heartbeat, so a missing metric is not reported too).
    /// </summary>
    public static void CheckRule(RuleSetReader reader, RuleDraft rule, DetectorKind? kind)
    {
        var kindName = kind?.Name ?? "detector";
        foreach (var name in new[] { "when", "clear" })
        {
            if (rule.Has(name))
            {
                reader.Error(rule.RuleId, name, $"is not used by a detector rule (the {kindName} detector decides when to fire)", rule.LineOf(name));
            }
        }

        if (rule.LadderGiven)
        {
            reader.Error(rule.RuleId, "severity", "a detector rule takes a single severity, not a ladder", rule.LineOf("severity"));
        }

        if (kind?.WithoutMetric is { } reason)
        {
            foreach (var name in new[] { "metric", "window", "aggregate" })
            {
                if (rule.Has(name))
                {
                    reader.Error(rule.RuleId, name, $"is not used by a {kindName} rule ({reason})", rule.LineOf(name));
                }
            }

            return;
        }

        if (!rule.Has("metric") && kind is not null)
        {
            reader.Error(rule.RuleId, "metric", $"is required for a {kindName} detector", rule.LineOf("detector"));
        }

        // Detectors judge each event's value; windowed aggregates are for threshold rules.
        foreach (var name in new[] { "window", "aggregate" })
        {
            if (rule.Has(name))
            {
                reader.Error(rule.RuleId, name, "is not used by a detector rule (detectors judge each event's value; use a threshold rule for window aggregates)", rule.LineOf(name));
            }
        }

        reader.CheckWindowHasAggregate(rule);
    }
}
