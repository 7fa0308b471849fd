using System.Globalization;

namespace Pipeline.Core.Rules;

/// <summary>Exponentially weighted mean and variance; anomalous beyond <see cref="Threshold"/> deviations.</summary>
public sealed record EwmaDetectorSpec(double Alpha, double Threshold, int Warmup) : DetectorSpec
{
    public override string Kind => "ewma";

    internal override string VersionText => $"ewma:{RuleSetVersion.Number(Alpha)}:{RuleSetVersion.Number(Threshold)}:{Warmup.ToString(CultureInfo.InvariantCulture)}";
}
