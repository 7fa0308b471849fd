using Pipeline.Core.Rules;

namespace Pipeline.Core.Engine;

/// <summary>A rule set turned into runtimes, with composites ordered after the rules they combine.</summary>
public sealed class CompiledRules
{
    private CompiledRules(RuleSet ruleSet, string environment, RuleRuntime[] runtimes, RuleRuntime[] dependents, string[] expected)
    {
        RuleSet = ruleSet;
        Environment = environment;
        Runtimes = runtimes;
        Dependents = dependents;
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

    /// <summary>The runtimes judged from other rules (composites), re-judged when one of their parts transitions.</summary>
    internal RuleRuntime[] Dependents { get; }

    /// <summary>The rule set's disorder policy, applied to every key at ingress.</summary>
    public Time.DisorderPolicy Disorder { get; }

    // The policy's durations as ticks, compared per event.
    internal long ToleranceTicks { get; }

    internal long AllowedLatenessTicks { get; }

    internal long MaxFutureSkewTicks { get; }

    /// <summary>
    /// Orders the rules and turns each into a runtime with <paramref name="compileRule"/> (the rule kinds' compiler,
    /// passed in because the kinds build on this namespace).
    /// </summary>
    internal static CompiledRules Compile(RuleSet rules, string environment, Func<Rule, int, RuleDefaults, RuleRuntime> compileRule)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentException.ThrowIfNullOrEmpty(environment);
        ArgumentNullException.ThrowIfNull(compileRule);

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
            runtimes[i] = compileRule(ordered[i], i, rules.Defaults);
        }

        var index = runtimes.ToDictionary(r => r.Rule.Id, r => r.Index, StringComparer.Ordinal);
        foreach (var r in runtimes)
        {
            r.Parts = [.. r.ReferencedRuleIds.Select(id => index[id])];
        }

        var dependents = runtimes.Where(r => r.IsDerived).ToArray();
        var expected = runtimes.SelectMany(r => r.ExpectedKeys).Distinct(StringComparer.Ordinal).ToArray();
        return new CompiledRules(rules, environment, runtimes, dependents, expected);
    }
}
