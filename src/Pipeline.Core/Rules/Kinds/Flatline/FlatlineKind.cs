using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

internal sealed class FlatlineKind : DetectorKind<FlatlineDetectorSpec>
{
    public override string Name => "flatline";

    public override IReadOnlyList<string> Fields { get; } = ["kind", "duration", "tolerance"];

    public override DetectorSpec Read(DetectorFields fields)
    {
        var duration = fields.RequiredDuration("duration");
        var tolerance = fields.Number("tolerance", 0, v => v >= 0, "a number ≥ 0");
        return new FlatlineDetectorSpec(duration, tolerance);
    }

    protected override RuleRuntime Compile(Rule rule, int index, FlatlineDetectorSpec spec) => new FlatlineDetector(rule, index, spec);
}
