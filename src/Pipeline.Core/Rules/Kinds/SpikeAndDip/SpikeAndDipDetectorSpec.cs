using System.Globalization;

namespace Pipeline.Core.Rules;

public enum SpikeMode
{
    Both,
    Spikes,
    Dips,
}

/// <summary>
/// Short-lived spikes and/or dips (as Azure Stream Analytics' AnomalyDetection_SpikeAndDip): a value more than
/// <see cref="Threshold"/> robust deviations above (spike) or below (dip) the median of the previous
/// <see cref="History"/> values. The alert resolves at the next ordinary value.
/// </summary>
public sealed record SpikeAndDipDetectorSpec(int History, double Threshold, int Warmup, SpikeMode Mode) : DetectorSpec
{
    public override string Kind => "spikeAndDip";

    internal override string VersionText => $"spikeAndDip:{History.ToString(CultureInfo.InvariantCulture)}:{RuleSetVersion.Number(Threshold)}:{Warmup.ToString(CultureInfo.InvariantCulture)}:{Mode}";
}
