using Pipeline.Core.Simulation;

namespace Pipeline.Core.Tests.Simulation;

/// <summary><see cref="FleetOptions.SampleInterval"/>: what <c>simulate --rate</c> and <c>--interval</c> make of a fleet's pace.</summary>
public sealed class FleetOptionsTests
{
    [Theory]
    [InlineData(24, 12, 20_000_000)] // 24 devices at 12 events/s in all: each every 2 s
    [InlineData(10, 1_000, 100_000)] // 10 ms
    [InlineData(1, 10_000_000, 1)]   // one device at 10,000,000 events/s: one tick (100 ns)
    [InlineData(1, 20_000_000, 1)]   // never below one tick
    public void A_rate_sets_the_interval_to_devices_over_rate(int devices, int rate, long ticks) =>
        Assert.Equal(TimeSpan.FromTicks(ticks), FleetOptions.SampleInterval(TimeSpan.FromSeconds(10), devices, rate));

    [Fact]
    public void Without_a_rate_the_interval_is_kept_and_one_not_above_zero_is_refused()
    {
        Assert.Equal(TimeSpan.FromSeconds(10), FleetOptions.SampleInterval(TimeSpan.FromSeconds(10), 24, 0));
        Assert.Null(FleetOptions.SampleInterval(TimeSpan.Zero, 24, 0));
        Assert.Null(FleetOptions.SampleInterval(TimeSpan.FromSeconds(-1), 24, 0));
        Assert.Equal(TimeSpan.FromSeconds(2), FleetOptions.SampleInterval(TimeSpan.Zero, 24, 12)); // the rate wins over a zero interval
    }
}
