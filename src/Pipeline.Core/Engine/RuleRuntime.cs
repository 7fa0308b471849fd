using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.Rules;

namespace Pipeline.Core.Engine;

/// <summary>Per-(rule, key) state: the alert lifecycle plus whatever the rule kind keeps.</summary>
internal abstract class RuleState
{
    public AlertLifecycle Alert { get; set; } = new();

    public virtual void Write(BinaryWriter w) => Alert.Write(w);

    public void ReadBase(BinaryReader r) => Alert = AlertLifecycle.Read(r);
}

/// <summary>
/// The compiled behaviour of one rule. Events reach it in event-time order (after reordering); before each
/// event, and at the end of a batch, the engine advances it to the current time so timers and windows close.
/// </summary>
internal abstract class RuleRuntime(Rule rule, int index, bool isDerived = false)
{
    public Rule Rule { get; } = rule;

    public int Index { get; } = index;

    public AlertTiming Timing { get; } = new(rule.For, rule.KeepFiringFor);

    /// <summary>
    /// True for a rule judged from other rules' states (a composite) rather than from events: the engine passes it no
    /// events and always advances it, since its parts decide whether it applies to a key.
    /// </summary>
    public bool IsDerived { get; } = isDerived;

    /// <summary>The ids of the rules this one is judged from; <see cref="Parts"/> holds their indexes once compiled.</summary>
    public virtual IReadOnlyList<string> ReferencedRuleIds => [];

    /// <summary>Indexes of <see cref="ReferencedRuleIds"/>, resolved at compile time.</summary>
    public int[] Parts { get; internal set; } = [];

    /// <summary>Keys watched before their first event (a heartbeat's <c>expected</c> list).</summary>
    public virtual IReadOnlyList<string> ExpectedKeys => [];

    private string? _fingerprint;

    /// <summary>
    /// Identifies the rule's state layout (a short hash of <see cref="Layout"/>, computed once): state is kept across
    /// rule changes only while this is equal.
    /// </summary>
    public string Fingerprint => _fingerprint ??= Hashing.StableId("layout", Layout)[..16];

    /// <summary>What the rule's state depends on; thresholds and durations are not part of it.</summary>
    protected virtual string Layout => $"{Rule.Id}|{Rule.Kind}|{Rule.Metric}|{Rule.Window}|{Rule.Aggregate}|{Rule.Detector?.Kind}";

    /// <summary>Human-readable condition used when a transition has no evaluation of its own (timers).</summary>
    public abstract string DescribeCondition();

    public abstract RuleState NewState(KeyState key);

    public abstract RuleState ReadState(BinaryReader r);

    /// <summary>An in-order event for this key (already matched against the rule's selector).</summary>
    public abstract void OnEvent(ApplyContext ctx, RuleState state, Telemetry e);

    /// <summary>A late event within allowed lateness; only rules that keep windows use it.</summary>
    public virtual bool OnLateEvent(ApplyContext ctx, RuleState state, Telemetry e) => false;

    /// <summary>Event time reached <paramref name="ticks"/> (watermark, or just before the next event).</summary>
    public virtual void AdvanceTo(ApplyContext ctx, RuleState state, long ticks) => ctx.AdvanceLifecycle(this, state, ticks);

    /// <summary>One of <see cref="Parts"/> transitioned at <paramref name="ticks"/>: judge again from their states.</summary>
    public virtual void OnPartChanged(ApplyContext ctx, RuleState state, long ticks)
    {
    }

    /// <summary>The next event time at which <see cref="AdvanceTo"/> acts, or <see cref="long.MaxValue"/>.</summary>
    public virtual long NextDeadline(RuleState state) => state.Alert.NextDeadline(Timing);

    /// <summary>
    /// Severity, timing and source for a key, from the most specific matching override (detector and composite
    /// rules can override <c>severity</c> and <c>for</c>; threshold rules resolve their own, richer overrides).
    /// </summary>
    protected (Severity Severity, AlertTiming Timing, string Source) Resolve(string key, IReadOnlyDictionary<string, string> labels)
    {
        if (Rule.Overrides.Count == 0)
        {
            return (Rule.Severity, Timing, "rule");
        }

        RuleOverride? best = null;
        foreach (var o in Rule.Overrides)
        {
            if (o.Match.Matches(key, labels) && (best is null || o.Match.Specificity > best.Match.Specificity))
            {
                best = o;
            }
        }

        return best is null
            ? (Rule.Severity, Timing, "rule")
            : (best.Severity ?? Rule.Severity, new AlertTiming(best.For ?? Rule.For, Rule.KeepFiringFor), "override:" + best.Match);
    }

    public virtual bool Matches(string key, IReadOnlyDictionary<string, string> labels) => Rule.Match.Labels.Count == 0 || Rule.Match.Matches(key, labels);

    protected static AlertEvidence Evidence(Telemetry e) => new(1, e.Source.SequenceNumber, e.Source.SequenceNumber, e.Source.Partition);
}
