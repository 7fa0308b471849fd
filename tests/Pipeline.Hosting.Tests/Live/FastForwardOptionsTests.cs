using Pipeline.Hosting.Live;

namespace Pipeline.Hosting.Tests.Live;

/// <summary>The fast-forwarded run's options: the defaults the demo documents, and validation naming each wrong setting.</summary>
public sealed class FastForwardOptionsTests
{
    [Fact]
    public void The_defaults_are_the_demo_s_and_valid()
    {
        var options = new FastForwardOptions();

        // docs/cli.md: 24 devices, an hour from 2026-01-01T00:00:00Z, seed 42, a sample every 10 s, not served.
        Assert.Equal((24, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), TimeSpan.FromHours(1), 42, TimeSpan.FromSeconds(10), false),
            (options.Devices, options.Start, options.Duration, options.Seed, options.Interval, options.Serve));
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Each_wrong_setting_is_named()
    {
        var options = new FastForwardOptions
        {
            Duration = TimeSpan.FromMinutes(-1),
            Devices = 0,
            Interval = TimeSpan.Zero,
            Partitions = 0,
            SweepInterval = TimeSpan.FromSeconds(-1),
            HttpPort = -1,
        };

        Assert.Equal(
        [
            new("Duration", "Duration must be longer than 0s, got -00:01:00."),
            new("Devices", "Devices must be at least 1 device, got 0."),
            new("Interval", "Interval must be longer than 0s, got 00:00:00."),
            new("Partitions", "Partitions must be at least 1, got 0."),
            new("SweepInterval", "SweepInterval must be longer than 0s, got -00:00:01."),
            new("HttpPort", "HttpPort must be a port from 0 (any free one) to 65535, got -1."),
        ], options.Validate());
    }

    [Fact]
    public void Throwing_tells_every_problem()
    {
        var options = new FastForwardOptions { Partitions = 0, HttpPort = 65536 };

        var error = Assert.Throws<InvalidOperationException>(options.ThrowIfInvalid);

        Assert.Equal("Partitions must be at least 1, got 0. HttpPort must be a port from 0 (any free one) to 65535, got 65536.", error.Message);
    }
}
