using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

internal sealed class RateOfChangeKind : DetectorKind<RateOfChangeDetectorSpec>
{
    public override string Name => "rateOfChange";

    public override IReadOnlyList<string> Fields { get; } = ["kind", "maxPerSecond"];

    public override DetectorSpec Read(DetectorFields fields) =>
        new RateOfChangeDetectorSpec(fields.RequiredNumber("maxPerSecond", v => v > 0, "a number > 0 (units per second)"));

    protected override RuleRuntime Compile(Rule rule, int index, RateOfChangeDetectorSpec spec) => new RateOfChangeDetector(rule, index, spec);
}
