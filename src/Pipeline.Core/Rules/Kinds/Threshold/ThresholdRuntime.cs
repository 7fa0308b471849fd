using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;
using Pipeline.Core.Windows;

namespace Pipeline.Core.Rules.Kinds;

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
    private readonly Effective[] _overrideEffects;
    private readonly Effective _ruleEffect;

    public ThresholdRuntime(Rule rule, int index, RuleDefaults defaults)
        : base(rule, index)
    {
        _metric = rule.Metric ?? throw new ArgumentException($"Rule '{rule.Id}' has no metric.", nameof(rule));
        _subject = rule.Aggregate is { } a ? $"{a}({_metric})" : _metric;
        _overridesBySpecificity = [.. rule.Overrides.OrderByDescending(o => o.Match.Specificity)];
        _overrideEffects = [.. _overridesBySpecificity.Select(Build)];
        _ruleEffect = Build(null);
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
        var taken = s.Windows.AddLate(Rule.Window!, Rule.Aggregate!.Value, e.Timestamp.UtcTicks, value, e.Source.SequenceNumber, e.Source.Partition, ctx.State.WatermarkTicks, results);
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
        var windows = s.Windows?.NextDeadline(Rule.Window!, _allowedLateness) ?? long.MaxValue;
        return Math.Min(windows, base.NextDeadline(state));
    }

    private void Emit(ApplyContext ctx, ThresholdState s, List<WindowResult> results)
    {
        if (results.Count == 0)
        {
            return;
        }

        // Judging only reaches lifecycles and composites, never another window set, so the shared list stays intact.
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var acc = r.Accumulator;
            var evidence = new AlertEvidence(acc.Count, acc.FirstSequence == long.MaxValue ? -1 : acc.FirstSequence,
                acc.LastSequence == long.MinValue ? -1 : acc.LastSequence, acc.Partition);

            // A window's verdict belongs to the instant it closes; sliding windows close just after their event.
            var at = r.Window.End.UtcTicks - (Rule.Window!.Kind == WindowKind.Sliding ? 1 : 0);
            Judge(ctx, s, at, r.Value, r.Window, evidence, r.Late, r.Replaces);
        }
    }

    private void Judge(ApplyContext ctx, ThresholdState s, long ticks, double value, Time.TimeInterval? window, AlertEvidence evidence, bool late, Time.TimeInterval? replaces = null)
    {
        var effective = ResolveEffective(ctx.State.Key, ctx.State.Labels);
        Signal signal;
        Severity severity;
        Condition decided;
        string text;
        var ladder = effective.Ladder;
        if (ladder.Length > 0)
        {
            var best = -1;
            for (var i = 0; i < ladder.Length; i++)
            {
                if (ladder[i].When.IsMet(value) && (best < 0 || ladder[i].Severity > ladder[best].Severity))
                {
                    best = i;
                }
            }

            severity = best >= 0 ? ladder[best].Severity : effective.Severity;
            decided = best >= 0 ? ladder[best].When : effective.LeastSevere;
            text = best >= 0 ? effective.LadderTexts[best] : effective.NotFireText;
            signal = best >= 0 ? Signal.Fire : effective.Clear is { } c ? (c.IsMet(value) ? Signal.Clear : Signal.Hold) : Signal.Clear;
        }
        else
        {
            var when = effective.When!.Value;
            severity = effective.Severity;
            decided = when;
            text = effective.WhenText;
            signal = when.IsMet(value) ? Signal.Fire : effective.Clear is { } c ? (c.IsMet(value) ? Signal.Clear : Signal.Hold) : Signal.Clear;
            if (signal == Signal.Clear && effective.Clear is null)
            {
                text = effective.NotFireText;
            }
        }

        if (signal != Signal.Fire && !late && s.Alert.IsQuiet)
        {
            return; // nothing pending or firing to keep or clear
        }

        if (signal == Signal.Clear && effective.Clear is { } clear)
        {
            decided = clear;
            text = effective.ClearText;
        }

        var evaluation = new Evaluation(ticks, signal, severity, value, text, decided.Threshold, effective.Source, window, evidence, late, replaces);
        if (late)
        {
            ctx.Amend(this, s, evaluation);
        }
        else
        {
            ctx.Observe(this, s, evaluation, effective.Timing);
        }
    }

    private Effective ResolveEffective(string key, IReadOnlyDictionary<string, string> labels)
    {
        for (var i = 0; i < _overridesBySpecificity.Length; i++)
        {
            if (_overridesBySpecificity[i].Match.Matches(key, labels))
            {
                return _overrideEffects[i];
            }
        }

        return _ruleEffect;
    }

    private Effective Build(RuleOverride? o)
    {
        var rule = Rule;
        if (o is null)
        {
            return new Effective(_subject, rule.When, rule.Clear, rule.Ladder, rule.Severity, new AlertTiming(rule.For, rule.KeepFiringFor), "rule");
        }

        var ladder = o.Ladder ?? (o.When is not null ? [] : rule.Ladder);
        return new Effective(
            _subject,
            o.When ?? (o.Ladder is null ? rule.When : null),
            o.Clear ?? rule.Clear,
            ladder,
            o.Severity ?? (o.Ladder is { Count: > 0 } l ? l.Max(x => x.Severity) : rule.Severity),
            new AlertTiming(o.For ?? rule.For, rule.KeepFiringFor),
            "override:" + o.Match.ToString());
    }

    /// <summary>The condition in force for a key (rule or override), with its texts built once.</summary>
    private sealed class Effective
    {
        public Effective(string subject, Condition? when, Condition? clear, IReadOnlyList<SeverityStep> ladder, Severity severity, AlertTiming timing, string source)
        {
            When = when;
            Clear = clear;
            Ladder = [.. ladder];
            Severity = severity;
            Timing = timing;
            Source = source;
            LeastSevere = Ladder.Length > 0 ? Ladder.MinBy(l => l.Severity)!.When : when ?? default;
            WhenText = when is { } w ? $"{subject} {w}" : string.Empty;
            ClearText = clear is { } c ? $"{subject} {c}" : string.Empty;
            NotFireText = $"not {subject} {(Ladder.Length > 0 ? LeastSevere : when ?? default)}";
            LadderTexts = [.. Ladder.Select(l => $"{subject} {l.When}")];
        }

        public Condition? When { get; }
        public Condition? Clear { get; }
        public SeverityStep[] Ladder { get; }
        public Severity Severity { get; }
        public AlertTiming Timing { get; }
        public string Source { get; }
        public Condition LeastSevere { get; }
        public string WhenText { get; }
        public string ClearText { get; }
        public string NotFireText { get; }
        public string[] LadderTexts { get; }
    }

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
