using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

internal sealed class SpikeAndDipKind : DetectorKind<SpikeAndDipDetectorSpec>
{
    public override string Name => "spikeAndDip";

    public override IReadOnlyList<string> Fields { get; } = ["kind", "history", "threshold", "warmup", "mode"];

    public override DetectorSpec Read(DetectorFields fields)
    {
        var history = fields.History(120, 3);
        var threshold = fields.Number("threshold", 3.5, v => v > 0, "a number > 0 (robust deviations)");
        var mode = SpikeMode.Both;
        if (fields.Optional("mode") is { } modeNode)
        {
            var parsed = fields.Reader.Named(modeNode, fields.RuleId, "detector.mode", [("both", SpikeMode.Both), ("spikes", SpikeMode.Spikes), ("dips", SpikeMode.Dips)], "mode");
            fields.Ok &= parsed is not null;
            mode = parsed ?? SpikeMode.Both;
        }

        return new SpikeAndDipDetectorSpec(history, threshold, fields.Warmup(history, fields.Ok), mode);
    }

    protected override RuleRuntime Compile(Rule rule, int index, SpikeAndDipDetectorSpec spec) =>
        new RobustDeviationDetector(rule, index, spec.History, spec.Threshold, spec.Warmup, spec.Mode, Name);
}
