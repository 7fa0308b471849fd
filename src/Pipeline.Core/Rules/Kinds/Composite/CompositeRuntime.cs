using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;

namespace Pipeline.Core.Rules.Kinds;

/// <summary>Fires while all (or any) of its rules are firing for the same key; re-judged whenever one of them transitions.</summary>
internal sealed class CompositeRuntime(Rule rule, int index, CompositeSpec spec) : RuleRuntime(rule, index, isDerived: true)
{
    protected override string Layout => base.Layout + "|" + string.Join(",", spec.RuleIds);

    public override IReadOnlyList<string> ReferencedRuleIds => spec.RuleIds;

    public override string DescribeCondition() => $"{spec.Mode.ToString().ToLowerInvariant()}({string.Join(", ", spec.RuleIds)}) firing";

    public override RuleState NewState(KeyState key) => new State();

    public override RuleState ReadState(BinaryReader r)
    {
        var s = new State();
        s.ReadBase(r);
        return s;
    }

    public override void OnEvent(ApplyContext ctx, RuleState state, Telemetry e)
    {
        // Composites react to their parts' transitions, not to events.
    }

    /// <summary>Judges the composite at <paramref name="ticks"/> from the parts' current statuses.</summary>
    public override void OnPartChanged(ApplyContext ctx, RuleState state, long ticks)
    {
        var firing = 0;
        foreach (var part in Parts)
        {
            if (ctx.StatusOf(part) == AlertStatus.Firing)
            {
                firing++;
            }
        }

        var holds = spec.Mode == CompositeMode.All ? firing == Parts.Length : firing > 0;
        var (severity, timing, source) = Resolve(ctx.State.Key, ctx.State.Labels);
        var evaluation = new Evaluation(ticks, holds ? Signal.Fire : Signal.Clear, severity, firing, DescribeCondition(), Parts.Length,
            source, null, new AlertEvidence(firing, -1, -1, string.Empty));
        ctx.Observe(this, state, evaluation, timing);
    }

    private sealed class State : RuleState;
}
