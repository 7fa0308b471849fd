using System.Globalization;

namespace Pipeline.Core.Rules;

/// <summary>Value more than <see cref="Threshold"/> standard deviations from the mean of the last <see cref="History"/> values.</summary>
public sealed record ZScoreDetectorSpec(int History, double Threshold, int Warmup) : DetectorSpec
{
    public override string Kind => "zscore";

    internal override string VersionText => $"zscore:{History.ToString(CultureInfo.InvariantCulture)}:{RuleSetVersion.Number(Threshold)}:{Warmup.ToString(CultureInfo.InvariantCulture)}";
}
