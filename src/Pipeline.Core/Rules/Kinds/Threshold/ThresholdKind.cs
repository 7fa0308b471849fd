using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

/// <summary>
/// A threshold rule: <c>when</c> (or a severity ladder) on a metric, or on a window aggregate of it. Its settings are
/// the rule's own fields, which the common reader reads; this checks how they fit together.
/// </summary>
internal static class ThresholdKind
{
    public const string Name = "threshold";

    public static void CheckRule(RuleSetReader reader, RuleDraft rule)
    {
        if (!rule.Has("metric"))
        {
            reader.Error(rule.RuleId, "metric", "is required for a threshold rule", rule.Map.Line);
        }

        var whenGiven = rule.Has("when");
        if (whenGiven && rule.LadderGiven)
        {
            reader.Error(rule.RuleId, "when", "a severity ladder replaces 'when': remove 'when', or give a single severity", rule.LineOf("when"));
        }
        else if (!whenGiven && !rule.LadderGiven)
        {
            reader.Error(rule.RuleId, "when", "a threshold rule needs 'when' (e.g. \"> 80\") or a severity ladder (or use 'detector' or 'composite')", rule.Map.Line);
        }

        if (rule.Clear is { } c && rule.Node("clear") is { } clearNode)
        {
            if (rule.When is { } w)
            {
                reader.CheckHysteresis(rule.RuleId, "clear", clearNode.Line, w, c, "clear", "when");
            }
            else if (rule.Ladder is { Count: > 0 } ladder)
            {
                reader.CheckLadderHysteresis(rule.RuleId, "clear", clearNode.Line, ladder, c, "clear");
            }
        }

        reader.CheckWindowHasAggregate(rule);
    }

    public static RuleRuntime Compile(Rule rule, int index, RuleDefaults defaults) => new ThresholdRuntime(rule, index, defaults);
}
