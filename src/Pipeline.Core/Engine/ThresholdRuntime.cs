using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.Rules;
using Pipeline.Core.Windows;

namespace Pipeline.Core.Engine;

/// <summary>
/// A threshold rule: <c>when</c>/<c>clear</c> (hysteresis) or a severity ladder, on each event's value or on a
/// window aggregate, with hierarchical overrides (the most specific matching override wins and is named in the alert).
/// </summary>
internal sealed class ThresholdRuntime : RuleRuntime
{
    private readonly string _metric;
    private readonly string _subject;
    private readonly RuleOverride[] _overridesBySpecificity;
    private readonly TimeSpan _allowedLateness;

    public ThresholdRuntime(Rule rule, int index, RuleDefaults defaults)
        : base(rule, index)
    {
        _metric = rule.Metric ?? throw new ArgumentException($"Rule '{rule.Id}' has no metric.", nameof(rule));
        _subject = rule.Aggregate is { } a ? $"{a}({_metric})" : _metric;
        _overridesBySpecificity = [.. rule.Overrides.OrderByDescending(o => o.Match.Specificity)];
        _allowedLateness = defaults.AllowedLateness;
    }

    public override string DescribeCondition() => $"{_subject} {Rule.When?.ToString() ?? "ladder"}";

    public override RuleState NewState(KeyState key) => new ThresholdState(Rule.Window is null ? null : new WindowSet());

    public override RuleState ReadState(BinaryReader r)
    {
        var hasWindows = r.ReadBoolean();
        var state = new ThresholdState(hasWindows ? WindowSet.Read(r) : null);
        state.ReadBase(r);
        return state;
    }

    public override void OnEvent(ApplyContext ctx, RuleState state, Telemetry e)
    {
        if (!e.Metrics.TryGetValue(_metric, out var value))
        {
            return;
        }

        var s = (ThresholdState)state;
        if (s.Windows is null)
        {
            Judge(ctx, s, e.Timestamp.UtcTicks, value, null, Evidence(e), late: false);
            return;
        }

        var results = ctx.WindowResults;
        results.Clear();
        s.Windows.Add(Rule.Window!, Rule.Aggregate!.Value, e.Timestamp.UtcTicks, value, e.Source.SequenceNumber, e.Source.Partition, results);
        Emit(ctx, s, results);
    }

    public override bool OnLateEvent(ApplyContext ctx, RuleState state, Telemetry e)
    {
        var s = (ThresholdState)state;
        if (s.Windows is null || !e.Metrics.TryGetValue(_metric, out var value))
        {
            return false;
        }

        var results = ctx.WindowResults;
        results.Clear();
        var taken = s.Windows.AddLate(Rule.Window!, Rule.Aggregate!.Value, e.Timestamp.UtcTicks, value, e.Source.SequenceNumber, e.Source.Partition, results);
        Emit(ctx, s, results);
        return taken;
    }

    public override void AdvanceTo(ApplyContext ctx, RuleState state, long ticks)
    {
        var s = (ThresholdState)state;
        if (s.Windows is not null)
        {
            var results = ctx.WindowResults;
            results.Clear();
            s.Windows.AdvanceTo(Rule.Window!, Rule.Aggregate!.Value, ticks, _allowedLateness, results);
            Emit(ctx, s, results);
        }

        base.AdvanceTo(ctx, state, ticks);
    }

    public override long NextDeadline(RuleState state)
    {
        var s = (ThresholdState)state;
        var windows = s.Windows?.NextDeadline(Rule.Window!) ?? long.MaxValue;
        return Math.Min(windows, base.NextDeadline(state));
    }

    private void Emit(ApplyContext ctx, ThresholdState s, List<WindowResult> results)
    {
        // Copy: judging may advance other rules that reuse the shared results list.
        foreach (var r in results.ToArray())
        {
            var acc = r.Accumulator;
            var evidence = new AlertEvidence(acc.Count, acc.FirstSequence == long.MaxValue ? -1 : acc.FirstSequence,
                acc.LastSequence == long.MinValue ? -1 : acc.LastSequence, acc.Partition);

            // A window's verdict belongs to the instant it closes; sliding windows close just after their event.
            var at = r.Window.End.UtcTicks - (Rule.Window!.Kind == WindowKind.Sliding ? 1 : 0);
            Judge(ctx, s, at, r.Value, r.Window, evidence, r.Late);
        }
    }

    private void Judge(ApplyContext ctx, ThresholdState s, long ticks, double value, Time.TimeInterval? window, AlertEvidence evidence, bool late)
    {
        var effective = Resolve(ctx.State.Key, ctx.State.Labels);
        Signal signal;
        Severity severity;
        Condition decided;
        var ladder = effective.Ladder;
        if (ladder.Count > 0)
        {
            SeverityStep? best = null;
            foreach (var step in ladder)
            {
                if (step.When.IsMet(value) && (best is null || step.Severity > best.Severity))
                {
                    best = step;
                }
            }

            severity = best?.Severity ?? effective.Severity;
            decided = best?.When ?? ladder.MinBy(l => l.Severity)!.When;
            signal = best is not null ? Signal.Fire : effective.Clear is { } c ? (c.IsMet(value) ? Signal.Clear : Signal.Hold) : Signal.Clear;
        }
        else
        {
            var when = effective.When!.Value;
            severity = effective.Severity;
            decided = when;
            signal = when.IsMet(value) ? Signal.Fire : effective.Clear is { } c ? (c.IsMet(value) ? Signal.Clear : Signal.Hold) : Signal.Clear;
        }

        if (signal == Signal.Clear && effective.Clear is { } clear)
        {
            decided = clear;
        }

        var conditionText = signal == Signal.Clear && effective.Clear is null ? $"not {_subject} {decided}" : $"{_subject} {decided}";
        var evaluation = new Evaluation(ticks, signal, severity, value, conditionText, decided.Threshold, effective.Source, window, evidence, late);
        if (late)
        {
            ctx.Amend(this, s, evaluation);
        }
        else
        {
            ctx.Observe(this, s, evaluation, new Alerts.AlertTiming(effective.For, Rule.KeepFiringFor));
        }
    }

    private Effective Resolve(string key, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var o in _overridesBySpecificity)
        {
            if (o.Match.Matches(key, labels))
            {
                var ladder = o.Ladder ?? (o.When is not null ? [] : Rule.Ladder);
                return new Effective(
                    o.When ?? (o.Ladder is null ? Rule.When : null),
                    o.Clear ?? Rule.Clear,
                    ladder,
                    o.Severity ?? (o.Ladder is { Count: > 0 } l ? l.Max(x => x.Severity) : Rule.Severity),
                    o.For ?? Rule.For,
                    "override:" + o.Match.ToString());
            }
        }

        return new Effective(Rule.When, Rule.Clear, Rule.Ladder, Rule.Severity, Rule.For, "rule");
    }

    private readonly record struct Effective(Condition? When, Condition? Clear, IReadOnlyList<SeverityStep> Ladder, Severity Severity, TimeSpan For, string Source);

    private sealed class ThresholdState(WindowSet? windows) : RuleState
    {
        public WindowSet? Windows { get; } = windows;

        public override void Write(BinaryWriter w)
        {
            w.Write(Windows is not null);
            Windows?.Write(w);
            base.Write(w);
        }
    }
}
