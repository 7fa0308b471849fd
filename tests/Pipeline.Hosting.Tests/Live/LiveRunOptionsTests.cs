using Pipeline.Azure.EventHubs;
using Pipeline.Hosting.Live;

namespace Pipeline.Hosting.Tests.Live;

/// <summary>Which inputs make a live run endless, and the options' validation naming each wrong setting.</summary>
public sealed class LiveRunOptionsTests
{
    private static readonly HubConnection Hub = new("ns.servicebus.windows.net", "telemetry", null, null);

    [Theory]
    [InlineData(LiveSources.Simulated, null, true)]                    // the fleet never runs out
    [InlineData(LiveSources.Http, null, true)]                         // nor does an ingest endpoint
    [InlineData(LiveSources.EventHubs, null, true)]                    // nor a hub
    [InlineData(LiveSources.File, null, false)]                        // a file ends the run when it is read
    [InlineData(LiveSources.Stdin, null, false)]                       // so does stdin at its end
    [InlineData(LiveSources.File | LiveSources.Stdin, null, false)]    // and both together, once both are done
    [InlineData(LiveSources.File, 60, true)]                           // For keeps a finite run going until it ends
    [InlineData(LiveSources.Stdin | LiveSources.Http, null, true)]     // a live source beside a finite one keeps it going
    public void A_run_is_endless_with_a_live_source_or_a_set_duration(LiveSources sources, int? forSeconds, bool endless)
    {
        var options = new LiveRunOptions { Sources = sources, For = forSeconds is { } s ? TimeSpan.FromSeconds(s) : null };

        Assert.Equal(endless, options.Endless);
    }

    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.Empty(new LiveRunOptions().Validate());
    }

    [Fact]
    public void Each_wrong_setting_is_named()
    {
        var options = new LiveRunOptions
        {
            Sources = LiveSources.None,
            Partitions = 0,
            HttpPort = 70000,
            MaxBodyBytes = 0,
            MaxRecords = 0,
            SweepInterval = TimeSpan.Zero,
            For = TimeSpan.FromSeconds(-1),
            Devices = 0,
            Interval = TimeSpan.FromSeconds(-10),
        };

        Assert.Equal(
        [
            new("Sources", "Sources must name one or more of Simulated, Http, File, Stdin, EventHubs, got 'None'."),
            new("Partitions", "Partitions must be at least 1, got 0."),
            new("HttpPort", "HttpPort must be a port from 0 (any free one) to 65535, got 70000."),
            new("MaxBodyBytes", "MaxBodyBytes must be at least 1 byte, got 0."),
            new("MaxRecords", "MaxRecords must be at least 1 record, got 0."),
            new("SweepInterval", "SweepInterval must be longer than 0s, got 00:00:00."),
            new("For", "For must not be negative, got -00:00:01."),
            new("Devices", "Devices must be at least 1 device, got 0."),
            new("Interval", "Interval must be longer than 0s, got -00:00:10."),
        ], options.Validate());
    }

    [Fact]
    public void The_hub_settings_are_checked_only_when_a_hub_is_read()
    {
        var withoutHub = new LiveRunOptions { Sources = LiveSources.Http, ConsumerGroup = " ", From = "yesterday" };
        var hubMissing = new LiveRunOptions { Sources = LiveSources.EventHubs, ConsumerGroup = " ", From = "yesterday" };
        var hubGiven = new LiveRunOptions { Sources = LiveSources.EventHubs, Hub = Hub, From = "2026-01-01T00:00:00Z" };

        Assert.Empty(withoutHub.Validate());
        Assert.Equal(
        [
            new("Hub", "Hub must name the hub to read (the source EventHubs reads one)."),
            new("ConsumerGroup", "ConsumerGroup must name the consumer group the hub is read through."),
            new("From", "From must be earliest, latest or a time like 2026-01-01T00:00:00Z, got 'yesterday'."),
        ], hubMissing.Validate());
        Assert.Empty(hubGiven.Validate());
    }

    [Fact]
    public void Throwing_tells_every_problem()
    {
        var options = new LiveRunOptions { SweepInterval = TimeSpan.Zero, Interval = TimeSpan.Zero };

        var error = Assert.Throws<InvalidOperationException>(options.ThrowIfInvalid);

        Assert.Equal("SweepInterval must be longer than 0s, got 00:00:00. Interval must be longer than 0s, got 00:00:00.", error.Message);
    }
}
