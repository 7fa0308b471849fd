using System.Globalization;
using Pipeline.Core.Time;

namespace Pipeline.Core.Rules;

/// <summary>
/// The version of a rule set: <c>v-</c> + 16 hex characters of a SHA-256 over a canonical form of the validated
/// model, not of the file text. So reformatting, comments, key order, YAML versus JSON, rule order, ladder order,
/// label order and writing a default explicitly (<c>warmup: 30</c>) all keep the version, while any change that can
/// alter behaviour or an alert's content (a threshold, a duration, a description) gives a new one.
/// </summary>
internal static class RuleSetVersion
{
    // Bump when the canonical form changes meaning, so old and new versions never collide.
    private const string FormTag = "pipeline-rules/1";

    /// <param name="inhibitions">
    /// Hashed only when there are any, so a file without them keeps its version; a change to them alone gives a new
    /// version, which is how another instance's rule refresh notices it.
    /// </param>
    public static string Compute(RuleDefaults defaults, IReadOnlyList<Rule> rules, IReadOnlyList<InhibitionRule>? inhibitions = null)
    {
        var parts = new List<string>
        {
            FormTag,
            Ticks(defaults.OutOfOrderTolerance),
            Ticks(defaults.AllowedLateness),
            DisorderPolicy.NameOf(defaults.LatePolicy),
            Ticks(defaults.MaxFutureSkew),
        };

        // Rule order does not change what fires, so rules are hashed by id.
        foreach (var rule in rules.OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            parts.Add("rule");
            parts.Add(rule.Id);
            parts.Add(Optional(rule.Description));
            parts.Add(Optional(rule.Metric));
            parts.Add(Selector(rule.Match));
            parts.Add(rule.Window is { } w
                ? string.Join(",", w.Kind.ToString(), Ticks(w.Size), Ticks(w.Hop), Ticks(w.Gap), Ticks(w.MaxDuration))
                : "~");
            parts.Add(rule.Aggregate?.ToString() ?? "~");
            parts.Add(Optional(rule.When?.ToString()));
            parts.Add(Optional(rule.Clear?.ToString()));
            parts.Add(Ladder(rule.Ladder));
            parts.Add(rule.Severity.ToString());
            parts.Add(Ticks(rule.For));
            parts.Add(Ticks(rule.KeepFiringFor));
            parts.Add(Detector(rule.Detector));
            parts.Add(rule.Composite is { } c ? c.Mode + ":" + string.Join(",", c.RuleIds.Order(StringComparer.Ordinal)) : "~");

            // Override order is kept: with equal specificity the first one written may win.
            foreach (var o in rule.Overrides)
            {
                parts.Add("override");
                parts.Add(Selector(o.Match));
                parts.Add(Optional(o.When?.ToString()));
                parts.Add(Optional(o.Clear?.ToString()));
                parts.Add(o.Ladder is null ? "~" : Ladder(o.Ladder));
                parts.Add(Optional(o.Severity?.ToString()));
                parts.Add(o.For is { } f ? Ticks(f) : "~");
            }
        }

        // Inhibition order does not change what is suppressed; targets are a set.
        foreach (var inhibition in (inhibitions ?? []).Select(Inhibition).Order(StringComparer.Ordinal))
        {
            parts.Add("inhibition");
            parts.Add(inhibition);
        }

        return "v-" + Hashing.StableId([.. parts])[..16];
    }

    internal static string Ticks(TimeSpan value) => value.Ticks.ToString(CultureInfo.InvariantCulture);

    private static string Optional(string? value) => value is null ? "~" : "=" + value;

    internal static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Selector(LabelSelector selector) =>
        string.Join("\u001f", selector.Labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key.Length}:{p.Key}={p.Value}"));

    // The most severe holding step decides, so step order is irrelevant.
    private static string Ladder(IReadOnlyList<SeverityStep> ladder) =>
        string.Join(";", ladder.OrderBy(s => s.Severity).Select(s => $"{s.Severity}:{s.When}"));

    private static string Inhibition(InhibitionRule r) =>
        string.Join("\u001f", r.SourceRule, r.MinSeverity.ToString(), Optional(r.EqualLabel),
            string.Join(",", r.TargetRules.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)));

    private static string Detector(DetectorSpec? detector) => detector is null ? "~" : detector.VersionText;
}
