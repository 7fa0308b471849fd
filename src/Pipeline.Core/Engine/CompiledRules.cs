using Pipeline.Core.Detectors;
using Pipeline.Core.Rules;

namespace Pipeline.Core.Engine;

/// <summary>A rule set turned into runtimes, with composites ordered after the rules they combine.</summary>
public sealed class CompiledRules
{
    private CompiledRules(RuleSet ruleSet, string environment, RuleRuntime[] runtimes, CompositeRuntime[] composites, string[] expected)
    {
        RuleSet = ruleSet;
        Environment = environment;
        Runtimes = runtimes;
        Composites = composites;
        ExpectedKeys = expected;
        Disorder = ruleSet.Defaults.Disorder;
        ToleranceTicks = Disorder.OutOfOrderTolerance.Ticks;
        AllowedLatenessTicks = Disorder.AllowedLateness.Ticks;
        MaxFutureSkewTicks = ruleSet.Defaults.MaxFutureSkew.Ticks;
    }

    public RuleSet RuleSet { get; }

    public string Environment { get; }

    /// <summary>Keys named by heartbeat rules' <c>expected</c> lists: watched even before their first event.</summary>
    public IReadOnlyCollection<string> ExpectedKeys { get; }

    internal RuleRuntime[] Runtimes { get; }

    internal CompositeRuntime[] Composites { get; }

    /// <summary>The rule set's disorder policy, applied to every key at ingress.</summary>
    public Time.DisorderPolicy Disorder { get; }

    // The policy's durations as ticks, compared per event.
    internal long ToleranceTicks { get; }

    internal long AllowedLatenessTicks { get; }

    internal long MaxFutureSkewTicks { get; }

    public static CompiledRules Compile(RuleSet rules, string environment)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentException.ThrowIfNullOrEmpty(environment);

        // Composites go last, each after the composites it refers to (the loader rejects cycles).
        var ordered = rules.Rules.Where(r => r.Kind != RuleKind.Composite).ToList();
        var remaining = rules.Rules.Where(r => r.Kind == RuleKind.Composite).ToList();
        while (remaining.Count > 0)
        {
            var placed = ordered.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            var next = remaining.FirstOrDefault(r => r.Composite!.RuleIds.All(placed.Contains))
                ?? throw new ArgumentException($"Composite rule '{remaining[0].Id}' refers to unknown or cyclic rules.", nameof(rules));
            ordered.Add(next);
            remaining.Remove(next);
        }

        var runtimes = new RuleRuntime[ordered.Count];
        for (var i = 0; i < ordered.Count; i++)
        {
            runtimes[i] = Create(ordered[i], i, rules.Defaults);
        }

        var index = runtimes.ToDictionary(r => r.Rule.Id, r => r.Index, StringComparer.Ordinal);
        var composites = runtimes.OfType<CompositeRuntime>().ToArray();
        foreach (var c in composites)
        {
            c.Parts = [.. c.Rule.Composite!.RuleIds.Select(id => index[id])];
        }

        var expected = rules.Rules.Select(r => r.Detector).OfType<HeartbeatDetectorSpec>().SelectMany(h => h.Expected).Distinct(StringComparer.Ordinal).ToArray();
        return new CompiledRules(rules, environment, runtimes, composites, expected);
    }

    private static RuleRuntime Create(Rule rule, int index, RuleDefaults defaults) => rule.Kind switch
    {
        RuleKind.Composite => new CompositeRuntime(rule, index, rule.Composite!),
        RuleKind.Threshold => new ThresholdRuntime(rule, index, defaults),
        _ => rule.Detector switch
        {
            ZScoreDetectorSpec z => new ZScoreDetector(rule, index, z),
            EwmaDetectorSpec e => new EwmaDetector(rule, index, e),
            HeartbeatDetectorSpec h => new HeartbeatDetector(rule, index, h),
            FlatlineDetectorSpec f => new FlatlineDetector(rule, index, f),
            RateOfChangeDetectorSpec r => new RateOfChangeDetector(rule, index, r),
            MadDetectorSpec m => new RobustDeviationDetector(rule, index, m.History, m.Threshold, m.Warmup, SpikeMode.Both, "mad"),
            SpikeAndDipDetectorSpec s => new RobustDeviationDetector(rule, index, s.History, s.Threshold, s.Warmup, s.Mode, "spikeAndDip"),
            ChangePointDetectorSpec c => new ChangePointDetector(rule, index, c),
            _ => throw new ArgumentException($"Rule '{rule.Id}' has an unknown detector '{rule.Detector?.Kind}'.", nameof(rule)),
        },
    };
}
