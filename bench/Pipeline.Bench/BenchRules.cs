using Pipeline.Core.Engine;
using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;

namespace Pipeline.Bench;

/// <summary>
/// The benchmark rule set: the three rules docs/performance.md ("Targets") names (a windowed threshold, a z-score detector and a
/// heartbeat), with the sample file's defaults (5 s out-of-order tolerance). The z-score history is 100 (the sample
/// file uses 300) so the state stays well under 2 KB per key. No label selectors: every device is checked by every rule.
/// </summary>
internal static class BenchRules
{
    public const string Environment = "bench";

    public const string Yaml = """
        defaults:
          outOfOrderTolerance: 5s
          allowedLateness: 1m
          latePolicy: drop
          maxFutureSkew: 5m

        rules:
          - id: overheat
            metric: temperature
            window: { kind: tumbling, size: 1m }
            aggregate: avg
            when: "> 80"
            clear: "< 75"
            severity: critical

          - { id: vibration-anomaly, metric: vibration, detector: { kind: zscore, history: 100, threshold: 4, warmup: 30 } }

          - { id: offline, detector: { kind: heartbeat, timeout: 2m } }
        """;

    // The constants the Rx peer needs: the same numbers as the YAML above (checked at load).
    public static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan WindowSize = TimeSpan.FromMinutes(1);
    public const double OverheatWhen = 80;
    public const double OverheatClear = 75;
    public const int ZScoreHistory = 100;
    public const double ZScoreThreshold = 4;
    public const int ZScoreWarmup = 30;
    public static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromMinutes(2);

    private static readonly Lazy<RuleSet> s_ruleSet = new(Load);

    public static RuleSet RuleSet => s_ruleSet.Value;

    public static CompiledRules Compile() => RuleSetCompiler.Compile(RuleSet, Environment);

    private static RuleSet Load()
    {
        var result = RuleSetLoader.Load(Yaml);
        if (result.RuleSet is not { } set)
        {
            throw new InvalidOperationException("The benchmark rule set does not load: " + string.Join("; ", result.Errors));
        }

        if (set.Defaults.OutOfOrderTolerance != Tolerance || set.Rules.Count != 3)
        {
            throw new InvalidOperationException("The benchmark rule set and the peer's constants disagree.");
        }

        return set;
    }
}
