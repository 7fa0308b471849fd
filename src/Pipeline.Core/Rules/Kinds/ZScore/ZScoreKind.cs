using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

internal sealed class ZScoreKind : DetectorKind<ZScoreDetectorSpec>
{
    public override string Name => "zscore";

    public override IReadOnlyList<string> Fields { get; } = ["kind", "history", "threshold", "warmup"];

    public override DetectorSpec Read(DetectorFields fields)
    {
        var history = fields.History(300, 2);
        var threshold = fields.Number("threshold", 4, v => v > 0, "a number > 0 (standard deviations)");
        return new ZScoreDetectorSpec(history, threshold, fields.Warmup(history, fields.Ok));
    }

    protected override RuleRuntime Compile(Rule rule, int index, ZScoreDetectorSpec spec) => new ZScoreDetector(rule, index, spec);
}
