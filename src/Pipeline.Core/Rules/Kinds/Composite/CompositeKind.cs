using System.Globalization;
using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

/// <summary>A composite rule: fires while all (or any) of the named rules fire for the same key.</summary>
internal static class CompositeKind
{
    public const string Name = "composite";

    private static readonly string[] ModeFields = ["all", "any"];

    public static (CompositeSpec? Spec, IReadOnlyList<(string Id, int Line, string Field)> References) Read(RuleSetReader reader, DocNode node, string? ruleId)
    {
        if (node is not DocMap map || map.Entries.Count == 0)
        {
            reader.Error(ruleId, "composite", "must be { all: [rule ids] } or { any: [rule ids] }, not " + node.Describe(), node.Line);
            return (null, []);
        }

        var fields = reader.Fields(map, ruleId, "composite", ModeFields, "a composite");
        if (fields.Count != 1)
        {
            if (fields.Count > 1)
            {
                reader.Error(ruleId, "composite", "give either 'all' or 'any', not both", map.Line);
            }

            return (null, []);
        }

        var (modeName, entry) = fields.Single();
        var mode = modeName == "all" ? CompositeMode.All : CompositeMode.Any;
        var field = "composite." + modeName;
        if (entry.Value is not DocList list || list.Items.Count == 0)
        {
            reader.Error(ruleId, field, "must be a non-empty list of rule ids like [overheat, offline]" + (entry.Value is DocList ? string.Empty : ", not " + entry.Value.Describe()), entry.Value.Line);
            return (null, []);
        }

        var ids = new List<string>();
        var references = new List<(string Id, int Line, string Field)>();
        for (var i = 0; i < list.Items.Count; i++)
        {
            var path = $"{field}[{i.ToString(CultureInfo.InvariantCulture)}]";
            if (reader.NonEmptyText(list.Items[i], ruleId, path, "a rule id") is not { } refId)
            {
                continue;
            }

            if (ids.Contains(refId))
            {
                reader.Error(ruleId, path, $"rule '{refId}' is listed twice", list.Items[i].Line);
                continue;
            }

            ids.Add(refId);
            references.Add((refId, list.Items[i].Line, path));
        }

        return (new CompositeSpec(mode, ids), references);
    }

    /// <summary>The rule fields of a composite rule: it has no metric or condition of its own.</summary>
    public static void CheckRule(RuleSetReader reader, RuleDraft rule)
    {
        if (rule.Has("detector"))
        {
            reader.Error(rule.RuleId, "composite", "a rule is either a detector or a composite, not both", rule.LineOf("composite"));
        }

        foreach (var name in new[] { "metric", "window", "aggregate", "when", "clear" })
        {
            if (rule.Has(name))
            {
                reader.Error(rule.RuleId, name, "is not used by a composite rule (it combines the alerts of other rules)", rule.LineOf(name));
            }
        }

        if (rule.LadderGiven)
        {
            reader.Error(rule.RuleId, "severity", "a composite rule takes a single severity, not a ladder", rule.LineOf("severity"));
        }
    }

    /// <summary>Every referenced rule exists, is not the rule itself, and no composites refer to each other in a cycle.</summary>
    public static void CheckReferences(RuleSetReader reader, IReadOnlyList<RuleInfo> infos)
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
                    reader.Error(info.Rule.Id, field, "a composite rule cannot refer to itself", line);
                }
                else if (!byId.ContainsKey(refId))
                {
                    var closest = NameSuggestion.Closest(refId, byId.Keys);
                    reader.Error(info.Rule.Id, field, $"no rule has the id '{refId}'" + (closest is null ? string.Empty : $" (did you mean '{closest}'?)"), line);
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

            reader.Error(info.Rule.Id, "composite", "composite rules refer to each other in a cycle: " + string.Join(" -> ", cycle), info.CompositeLine);
        }
    }

    public static RuleRuntime Compile(Rule rule, int index) => new CompositeRuntime(rule, index, rule.Composite!);

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
