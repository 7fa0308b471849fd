using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

internal sealed class ChangePointKind : DetectorKind<ChangePointDetectorSpec>
{
    public override string Name => "changePoint";

    public override IReadOnlyList<string> Fields { get; } = ["kind", "threshold", "drift", "warmup"];

    public override DetectorSpec Read(DetectorFields fields)
    {
        var threshold = fields.Number("threshold", 5, v => v > 0, "a number > 0 (cumulative standard deviations)");
        var drift = fields.Number("drift", 0.5, v => v >= 0, "a number ≥ 0 (standard deviations allowed per value)");
        var warmup = fields.Whole("warmup", DetectorFields.DefaultWarmup, v => v is >= 2 and <= DetectorFields.MaxHistory,
            $"a whole number from 2 to {DetectorFields.Invariant(DetectorFields.MaxHistory)}");
        return new ChangePointDetectorSpec(threshold, drift, warmup);
    }

    protected override RuleRuntime Compile(Rule rule, int index, ChangePointDetectorSpec spec) => new ChangePointDetector(rule, index, spec);
}
