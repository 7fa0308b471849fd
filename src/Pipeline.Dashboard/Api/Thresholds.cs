using Pipeline.Core.Rules;

namespace Pipeline.Dashboard.Api;

/// <summary>The threshold conditions of the rules that apply to one device, with the override that supplied each.</summary>
internal static class Thresholds
{
    public static IReadOnlyList<ThresholdLine> For(RuleSet rules, string key, IReadOnlyDictionary<string, string> labels)
    {
        var lines = new List<ThresholdLine>();
        foreach (var rule in rules.Rules)
        {
            if (rule.Kind != RuleKind.Threshold || rule.Metric is not { } metric || !rule.Match.Matches(key, labels))
            {
                continue;
            }

            // The most specific matching override wins, as in the engine.
            var chosen = rule.Overrides.Where(o => o.Match.Matches(key, labels) && (o.When is not null || o.Ladder is not null))
                .OrderByDescending(o => o.Match.Specificity).FirstOrDefault();
            var source = chosen is null ? "rule" : "override:" + chosen.Match;
            var ladder = chosen?.Ladder ?? (chosen?.When is null ? rule.Ladder : []);
            var aggregate = rule.Aggregate is { } a ? $"{a}({metric})" : metric;
            if (ladder.Count > 0)
            {
                foreach (var step in ladder)
                {
                    lines.Add(new ThresholdLine(rule.Id, metric, $"{aggregate} {step.When}", step.When.Threshold, step.Severity, source));
                }
            }
            else if ((chosen?.When ?? rule.When) is { } when)
            {
                lines.Add(new ThresholdLine(rule.Id, metric, $"{aggregate} {when}", when.Threshold, chosen?.Severity ?? rule.Severity, source));
            }
        }

        return lines;
    }
}
