using Pipeline.Core.Alerts;
using Pipeline.Core.Rules;
using Pipeline.Core.Time;

namespace Pipeline.Core.Tests.Support;

/// <summary>Builds rule sets in code so engine tests do not depend on the rule file loader.</summary>
internal static class TestRules
{
    public static RuleSet Set(params Rule[] rules) => Set(TimeSpan.Zero, rules);

    public static RuleSet Set(TimeSpan tolerance, params Rule[] rules) =>
        Set(new RuleDefaults(new DisorderPolicy(tolerance, TimeSpan.FromMinutes(1), LatePolicy.Drop), TimeSpan.FromMinutes(5)), rules);

    public static RuleSet Set(RuleDefaults defaults, params Rule[] rules) => new("v-test", defaults, rules);

    public static Condition C(string text) => Condition.TryParse(text, out var c, out var error) ? c : throw new ArgumentException(error);

    public static Rule Threshold(string id, string metric, string when, string? clear = null, Severity severity = Severity.Warning) => new()
    {
        Id = id,
        Metric = metric,
        When = C(when),
        Clear = clear is null ? null : C(clear),
        Severity = severity,
    };

    public static Rule Detector(string id, string? metric, DetectorSpec spec) => new() { Id = id, Metric = metric, Detector = spec };

    public static LabelSelector Match(params (string Name, string Value)[] labels) =>
        new(labels.ToDictionary(l => l.Name, l => l.Value, StringComparer.Ordinal));
}
