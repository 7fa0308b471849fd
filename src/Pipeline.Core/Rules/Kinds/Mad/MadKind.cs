using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

internal sealed class MadKind : DetectorKind<MadDetectorSpec>
{
    public override string Name => "mad";

    public override IReadOnlyList<string> Fields { get; } = ["kind", "history", "threshold", "warmup"];

    public override DetectorSpec Read(DetectorFields fields)
    {
        var history = fields.History(300, 3);
        var threshold = fields.Number("threshold", 3.5, v => v > 0, "a number > 0 (robust deviations)");
        return new MadDetectorSpec(history, threshold, fields.Warmup(history, fields.Ok));
    }

    protected override RuleRuntime Compile(Rule rule, int index, MadDetectorSpec spec) =>
        new RobustDeviationDetector(rule, index, spec.History, spec.Threshold, spec.Warmup, SpikeMode.Both, Name);
}
