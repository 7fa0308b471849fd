using Pipeline.Core.Alerts;

namespace Pipeline.Core.Rules;

/// <summary>
/// While <see cref="SourceRule"/> fires at <see cref="MinSeverity"/> or above, notifications of
/// <see cref="TargetRules"/> are suppressed for the same device, or, with <see cref="EqualLabel"/>, for every device
/// whose value of that label equals the source device's.
/// </summary>
public sealed record InhibitionRule(string SourceRule, Severity MinSeverity, IReadOnlyList<string> TargetRules, string? EqualLabel = null)
{
    /// <summary>
    /// Problems with a set of inhibition rules against the rule ids of a rule set: unknown rules, a rule inhibiting
    /// itself, and cycles (A inhibits B inhibits A would let two alerts silence each other).
    /// </summary>
    public static IReadOnlyList<string> Validate(IReadOnlyList<InhibitionRule> rules, IReadOnlyCollection<string> ruleIds)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(ruleIds);
        var errors = new List<string>();
        for (var i = 0; i < rules.Count; i++)
        {
            var r = rules[i];
            var at = $"inhibitions[{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}]";
            if (!ruleIds.Contains(r.SourceRule))
            {
                errors.Add($"{at}.source: unknown rule '{r.SourceRule}'");
            }

            if (r.TargetRules.Count == 0)
            {
                errors.Add($"{at}.targets: name at least one rule");
            }

            foreach (var target in r.TargetRules)
            {
                if (!ruleIds.Contains(target))
                {
                    errors.Add($"{at}.targets: unknown rule '{target}'");
                }
                else if (target == r.SourceRule)
                {
                    errors.Add($"{at}.targets: rule '{target}' cannot inhibit itself");
                }
            }
        }

        var edges = rules.SelectMany(r => r.TargetRules.Where(t => t != r.SourceRule).Select(t => (r.SourceRule, Target: t)))
            .ToLookup(e => e.SourceRule, e => e.Target, StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in rules.Select(r => r.SourceRule).Distinct(StringComparer.Ordinal))
        {
            if (FindCycle(start, edges, [], done) is { } cycle)
            {
                errors.Add("inhibitions: cycle " + string.Join(" -> ", cycle));
                break;
            }
        }

        return errors;
    }

    private static List<string>? FindCycle(string node, ILookup<string, string> edges, List<string> path, HashSet<string> done)
    {
        var index = path.IndexOf(node);
        if (index >= 0)
        {
            return [.. path.Skip(index), node];
        }

        if (done.Contains(node))
        {
            return null;
        }

        path.Add(node);
        foreach (var next in edges[node])
        {
            if (FindCycle(next, edges, path, done) is { } cycle)
            {
                return cycle;
            }
        }

        path.RemoveAt(path.Count - 1);
        done.Add(node);
        return null;
    }
}
