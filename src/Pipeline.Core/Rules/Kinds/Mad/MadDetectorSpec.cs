using System.Globalization;

namespace Pipeline.Core.Rules;

/// <summary>
/// Robust z-score: |x − median| / (1.4826 · MAD) over the previous <see cref="History"/> values. Unlike the
/// mean and standard deviation, the median and MAD are not dragged along by the outliers they should detect.
/// </summary>
public sealed record MadDetectorSpec(int History, double Threshold, int Warmup) : DetectorSpec
{
    public override string Kind => "mad";

    internal override string VersionText => $"mad:{History.ToString(CultureInfo.InvariantCulture)}:{RuleSetVersion.Number(Threshold)}:{Warmup.ToString(CultureInfo.InvariantCulture)}";
}
