namespace Pipeline.Core.Rules;

/// <summary>No data from a key for <see cref="Timeout"/>. <see cref="Expected"/> keys alert even if never seen.</summary>
public sealed record HeartbeatDetectorSpec(TimeSpan Timeout, IReadOnlyList<string> Expected) : DetectorSpec
{
    public override string Kind => "heartbeat";

    internal override string VersionText => $"heartbeat:{RuleSetVersion.Ticks(Timeout)}:{string.Join(",", Expected.Order(StringComparer.Ordinal))}";
}
