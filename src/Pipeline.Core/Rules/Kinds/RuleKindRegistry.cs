using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

/// <summary>
/// Every rule kind, found by name: the reader dispatches a rule's kind-specific fields here, and the compiler turns each
/// rule into its kind's runtime. A new detector is a folder under Kinds/ plus one entry in <see cref="Detectors"/>.
/// </summary>
internal static class RuleKindRegistry
{
    /// <summary>The detector kinds, in the order the reader lists them in errors.</summary>
    public static IReadOnlyList<DetectorKind> Detectors { get; } =
    [
        new ZScoreKind(), new EwmaKind(), new HeartbeatKind(), new FlatlineKind(), new RateOfChangeKind(), new MadKind(),
        new SpikeAndDipKind(), new ChangePointKind(),
    ];

    /// <summary>The name of every kind: threshold, each detector, composite.</summary>
    public static IReadOnlyList<string> Names { get; } = [ThresholdKind.Name, .. Detectors.Select(d => d.Name), CompositeKind.Name];

    /// <summary>The detector kind named (in any letter case, as rule files may write it), or null.</summary>
    public static DetectorKind? FindDetector(string name)
    {
        foreach (var kind in Detectors)
        {
            if (string.Equals(kind.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return kind;
            }
        }

        return null;
    }

    /// <summary>Reads each rule's kind-specific fields: what the loader gives the reader.</summary>
    public static IRuleKindReader Reader { get; } = new KindReader();

    public static RuleRuntime Compile(Rule rule, int index, RuleDefaults defaults)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return rule.Kind switch
        {
            RuleKind.Composite => CompositeKind.Compile(rule, index),
            RuleKind.Threshold => ThresholdKind.Compile(rule, index, defaults),
            _ => Detectors.FirstOrDefault(d => d.Name == rule.Detector!.Kind)?.Compile(rule, index, rule.Detector!)
                ?? throw new ArgumentException($"Rule '{rule.Id}' has an unknown detector '{rule.Detector?.Kind}'.", nameof(rule)),
        };
    }

    private sealed class KindReader : IRuleKindReader
    {
        public DetectorSpec? ReadDetector(RuleSetReader reader, DocNode node, string? ruleId) => DetectorReader.Read(reader, node, ruleId);

        public (CompositeSpec? Spec, IReadOnlyList<(string Id, int Line, string Field)> References) ReadComposite(
            RuleSetReader reader, DocNode node, string? ruleId) => CompositeKind.Read(reader, node, ruleId);

        // The kind is named by the rule's 'composite' or 'detector' field; a rule with neither is a threshold.
        public string CheckRule(RuleSetReader reader, RuleDraft draft)
        {
            if (draft.Has("composite"))
            {
                CompositeKind.CheckRule(reader, draft);
                return "composite";
            }

            if (draft.Node("detector") is { } detectorNode)
            {
                var kind = detectorNode is DocMap map && map.Entries.FirstOrDefault(e => e.Key.Value == "kind")?.Value is DocScalar kindScalar
                    ? FindDetector(kindScalar.Value)
                    : null;
                DetectorReader.CheckRule(reader, draft, kind);
                return "detector";
            }

            ThresholdKind.CheckRule(reader, draft);
            return draft.LadderGiven ? "ladder" : "when";
        }

        public void CheckReferences(RuleSetReader reader, IReadOnlyList<RuleInfo> infos) => CompositeKind.CheckReferences(reader, infos);
    }
}
