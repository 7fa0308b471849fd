using Pipeline.Core.Alerts;
using Pipeline.Core.Windows;

namespace Pipeline.Core.Engine;

/// <summary>The key being applied and the sink for its transitions; reused across keys by one engine.</summary>
internal sealed class ApplyContext(CompiledRules rules) : ITransitionObserver
{
    private RuleRuntime? _current;

    public CompiledRules Rules { get; } = rules;

    public KeyState State { get; private set; } = null!;

    /// <summary>Scratch list for window results (avoids an allocation per event).</summary>
    public List<WindowResult> WindowResults { get; } = [];

    public void Begin(KeyState state) => State = state;

    public AlertStatus StatusOf(int ruleIndex) => State.RuleStates[ruleIndex]!.Alert.Status;

    public void Observe(RuleRuntime runtime, RuleState state, in Evaluation evaluation, AlertTiming timing)
    {
        _current = runtime;
        state.Alert.Observe(evaluation, timing, runtime.Rule.Id, State.Key, this);
    }

    public void Amend(RuleRuntime runtime, RuleState state, in Evaluation evaluation)
    {
        _current = runtime;
        state.Alert.Amend(evaluation, this);
    }

    public void AdvanceLifecycle(RuleRuntime runtime, RuleState state, long ticks)
    {
        _current = runtime;
        state.Alert.AdvanceTo(ticks, runtime.Timing, this);
    }

    public void OnTransition(AlertLifecycle lifecycle, AlertTransitionKind kind, long ticks, in Evaluation evaluation)
    {
        var rule = _current!.Rule;
        var episode = lifecycle.EpisodeId ?? string.Empty;
        var sequence = lifecycle.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var time = new DateTimeOffset(ticks, TimeSpan.Zero);
        var data = new AlertData
        {
            EpisodeId = episode,
            RuleId = rule.Id,
            RuleVersion = Rules.RuleSet.Version,
            Key = State.Key,
            Transition = kind,
            Severity = lifecycle.Severity,
            Status = lifecycle.Status,
            Sequence = lifecycle.Sequence,
            Value = evaluation.Value,
            Condition = evaluation.Condition.Length > 0 ? evaluation.Condition : _current.DescribeCondition(),
            Threshold = evaluation.Threshold,
            ConditionSource = evaluation.ConditionSource.Length > 0 ? evaluation.ConditionSource : "rule",
            Window = evaluation.Window is { } w ? new AlertWindow(w.Start, w.End) : null,
            Evidence = evaluation.Evidence,
            Late = evaluation.Late,
            Labels = new Dictionary<string, string>(State.Labels, StringComparer.Ordinal),
            StartsAt = new DateTimeOffset(lifecycle.FiredTicks == long.MinValue ? ticks : lifecycle.FiredTicks, TimeSpan.Zero),
            EndsAt = kind == AlertTransitionKind.Resolved ? time : null,
        };

        State.Outbox.Add(new AlertEvent
        {
            Id = Hashing.StableId("alert", episode, kind.ToString(), sequence),
            Source = $"/pipeline/{Rules.Environment}/rules/{rule.Id}",
            Type = AlertEvent.TypeName(kind),
            Subject = $"devices/{State.Key}/rules/{rule.Id}",
            Time = time,
            Data = data,
        });

        // Composites are judged at the instant a part transitions, so their times do not depend on batching.
        // They come after their parts in the rule order, so only later composites can be affected.
        var dependents = Rules.Dependents;
        if (dependents.Length > 0)
        {
            var source = _current;
            foreach (var dependent in dependents)
            {
                if (dependent.Index > source.Index && Array.IndexOf(dependent.Parts, source.Index) >= 0)
                {
                    dependent.OnPartChanged(this, State.RuleStates[dependent.Index]!, ticks);
                }
            }

            _current = source;
        }
    }
}
