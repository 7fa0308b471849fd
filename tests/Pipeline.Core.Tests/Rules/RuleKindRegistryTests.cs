using Pipeline.Core.Rules;
using Pipeline.Core.Rules.Kinds;
using Pipeline.Core.RuleSets;

namespace Pipeline.Core.Tests.Rules;

/// <summary>The registry is the one list of rule kinds: the reader and the compiler find every kind through it.</summary>
public class RuleKindRegistryTests
{
    /// <summary>The kinds the documentation lists, in its order.</summary>
    private static readonly string[] DocumentedKinds =
        ["threshold", "zscore", "ewma", "heartbeat", "flatline", "rateOfChange", "mad", "spikeAndDip", "changePoint", "composite"];

    /// <summary>One smallest valid rule per kind (with what each kind requires), and the rule it may refer to.</summary>
    private static string RuleFileFor(string kind) => kind switch
    {
        "threshold" => """rules: [{ id: r, metric: m, when: "> 1" }]""",
        "composite" => """rules: [{ id: t, metric: m, when: "> 1" }, { id: r, composite: { all: [t] } }]""",
        "heartbeat" => "rules: [{ id: r, detector: { kind: heartbeat, timeout: 1m } }]",
        "flatline" => "rules: [{ id: r, metric: m, detector: { kind: flatline, duration: 1m } }]",
        "rateOfChange" => "rules: [{ id: r, metric: m, detector: { kind: rateOfChange, maxPerSecond: 1 } }]",
        _ => $"rules: [{{ id: r, metric: m, detector: {{ kind: {kind} }} }}]",
    };

    private static string KindOf(Rule rule) => rule.Kind switch
    {
        RuleKind.Threshold => "threshold",
        RuleKind.Composite => "composite",
        _ => rule.Detector!.Kind,
    };

    [Fact]
    public void The_registry_names_exactly_the_documented_kinds()
    {
        Assert.Equal(DocumentedKinds, RuleKindRegistry.Names);
    }

    [Fact]
    public void The_detector_kinds_the_reader_lists_are_the_registry_detectors()
    {
        var result = RuleSetLoader.Load("rules: [{ id: r, metric: m, detector: { history: 10 } }]");

        var error = Assert.Single(result.Errors);
        Assert.Equal("detector.kind", error.Field);
        Assert.Equal("is required (zscore, ewma, heartbeat, flatline, rateOfChange, mad, spikeAndDip, changePoint)", error.Message);
        Assert.Equal(DocumentedKinds[1..^1], RuleKindRegistry.Detectors.Select(d => d.Name));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_documented_kind_is_read_and_compiled(string kind)
    {
        var result = RuleSetLoader.Load(RuleFileFor(kind));

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Errors));
        var rule = result.RuleSet!.Find("r")!;
        Assert.Equal(kind, KindOf(rule));
        var compiled = RuleSetCompiler.Compile(result.RuleSet, "test");
        Assert.Contains(compiled.Runtimes, r => r.Rule.Id == "r");
    }

    [Fact]
    public void A_detector_kind_outside_the_registry_is_rejected()
    {
        var result = RuleSetLoader.Load("rules: [{ id: r, metric: m, detector: { kind: seasonal } }]");

        var error = Assert.Single(result.Errors);
        Assert.Equal("detector.kind", error.Field);
        Assert.StartsWith("unknown detector kind 'seasonal'", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> Kinds() => [.. DocumentedKinds];
}
