using System.Globalization;

namespace Pipeline.Core.Rules;

/// <summary>A rule in one line of words (match, value and window, condition, <c>for</c>, severity), for listings such as <c>rules validate</c>.</summary>
public static class RuleDescription
{
    public static string Describe(Rule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var parts = new List<string>();
        if (rule.Match.Labels.Count > 0)
        {
            parts.Add($"[{rule.Match}]");
        }

        switch (rule.Kind)
        {
            case RuleKind.Composite:
                parts.Add($"composite {rule.Composite!.Mode.ToString().ToLowerInvariant()} of {string.Join(", ", rule.Composite.RuleIds)}");
                break;
            case RuleKind.Detector:
                parts.Add($"{rule.Detector!.Kind}{(rule.Metric is null ? string.Empty : " on " + rule.Metric)}");
                break;
            default:
                var value = rule.Aggregate is { } a ? $"{a}({rule.Metric})" : rule.Metric ?? "?";
                var window = rule.Window is { } w ? $" over {w.Kind.ToString().ToLowerInvariant()} {DurationText.Format(w.Kind == WindowKind.Session ? w.Gap : w.Size)}" : string.Empty;
                var condition = rule.Ladder.Count > 0
                    ? string.Join(", ", rule.Ladder.Select(s => $"{s.Severity.ToString().ToLowerInvariant()} {s.When}"))
                    : $"{rule.When}";
                parts.Add($"{value}{window} {condition}");
                break;
        }

        if (rule.For > TimeSpan.Zero)
        {
            parts.Add("for " + DurationText.Format(rule.For));
        }

        if (rule.Ladder.Count == 0)
        {
            parts.Add(rule.Severity.ToString().ToLowerInvariant());
        }

        if (rule.Overrides.Count > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{rule.Overrides.Count} override(s)"));
        }

        return string.Join(" ", parts);
    }
}
