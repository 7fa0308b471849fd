using System.Globalization;

namespace Pipeline.Core.Rules;

/// <summary>
/// A persistent shift of level (CUSUM, as Azure Stream Analytics' AnomalyDetection_ChangePoint): the baseline
/// mean and deviation are learned from <see cref="Warmup"/> values; the cumulative sums of standardized deviations
/// beyond the allowance <see cref="Drift"/> exceeding <see cref="Threshold"/> mark a change point. The alert fires
/// there and resolves once a new baseline has been learned from the next <see cref="Warmup"/> values.
/// </summary>
public sealed record ChangePointDetectorSpec(double Threshold, double Drift, int Warmup) : DetectorSpec
{
    public override string Kind => "changePoint";

    internal override string VersionText => $"changePoint:{RuleSetVersion.Number(Threshold)}:{RuleSetVersion.Number(Drift)}:{Warmup.ToString(CultureInfo.InvariantCulture)}";
}
