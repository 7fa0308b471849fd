namespace Pipeline.Core.Rules;

/// <summary>The metric stays within ±<see cref="Tolerance"/> for at least <see cref="Duration"/>.</summary>
public sealed record FlatlineDetectorSpec(TimeSpan Duration, double Tolerance) : DetectorSpec
{
    public override string Kind => "flatline";

    internal override string VersionText => $"flatline:{RuleSetVersion.Ticks(Duration)}:{RuleSetVersion.Number(Tolerance)}";
}
