using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

internal sealed class EwmaKind : DetectorKind<EwmaDetectorSpec>
{
    public override string Name => "ewma";

    public override IReadOnlyList<string> Fields { get; } = ["kind", "alpha", "threshold", "warmup"];

    public override DetectorSpec Read(DetectorFields fields)
    {
        var alpha = fields.Number("alpha", 0.1, v => v is > 0 and <= 1, "a number in (0, 1]");
        var threshold = fields.Number("threshold", 4, v => v > 0, "a number > 0 (standard deviations)");
        return new EwmaDetectorSpec(alpha, threshold, fields.Warmup(0, false));
    }

    protected override RuleRuntime Compile(Rule rule, int index, EwmaDetectorSpec spec) => new EwmaDetector(rule, index, spec);
}
