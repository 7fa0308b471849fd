using System.Globalization;
using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;

namespace Pipeline.Core.Rules.Kinds;

/// <summary>A detector over one metric's sequence of values: each event yields a score judged against a threshold.</summary>
internal abstract class MetricDetectorRuntime<TState>(Rule rule, int index) : RuleRuntime(rule, index)
    where TState : RuleState, new()
{
    private string? _condition;

    protected string Metric { get; } = rule.Metric ?? throw new ArgumentException($"Rule '{rule.Id}' has no metric.", nameof(rule));

    /// <summary>The condition text, built once: it is attached to every evaluation.</summary>
    private string Condition => _condition ??= DescribeCondition();

    public override RuleState NewState(KeyState key) => new TState();

    public override RuleState ReadState(BinaryReader r)
    {
        var state = new TState();
        ReadDetector(state, r);
        state.ReadBase(r);
        return state;
    }

    public override void OnEvent(ApplyContext ctx, RuleState state, Telemetry e)
    {
        if (!e.Metrics.TryGetValue(Metric, out var value))
        {
            return;
        }

        var s = (TState)state;
        var (signal, score, threshold) = Score(s, e.Timestamp.UtcTicks, value);
        if (signal is not { } sig)
        {
            return; // warming up: no verdict either way
        }

        if (sig != Signal.Fire && s.Alert.IsQuiet)
        {
            return; // the common case: nothing to clear (skips building the evaluation)
        }

        var (severity, timing, source) = Resolve(ctx.State.Key, ctx.State.Labels);
        var evaluation = new Evaluation(e.Timestamp.UtcTicks, sig, severity, score, Condition, threshold, source, null, Evidence(e));
        ctx.Observe(this, s, evaluation, timing);
    }

    /// <summary>Updates the detector with a value; returns the verdict (null while warming up), the score and its threshold.</summary>
    protected abstract (Signal? Signal, double Score, double Threshold) Score(TState state, long ticks, double value);

    protected abstract void ReadDetector(TState state, BinaryReader r);

    protected static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
