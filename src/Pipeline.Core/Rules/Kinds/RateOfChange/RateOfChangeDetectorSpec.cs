namespace Pipeline.Core.Rules;

/// <summary>The metric changes faster than <see cref="MaxPerSecond"/> units per second between consecutive events.</summary>
public sealed record RateOfChangeDetectorSpec(double MaxPerSecond) : DetectorSpec
{
    public override string Kind => "rateOfChange";

    internal override string VersionText => $"rateOfChange:{RuleSetVersion.Number(MaxPerSecond)}";
}
