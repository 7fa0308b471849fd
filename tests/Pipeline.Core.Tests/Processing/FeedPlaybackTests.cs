using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.Simulation;

namespace Pipeline.Core.Tests.Processing;

/// <summary><see cref="FeedPlayback.PlayAsync"/>: each instant's events are handed on when the run clock reaches it.</summary>
public sealed class FeedPlaybackTests
{
    private static readonly FleetOptions Fleet = new()
    {
        Start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        Devices = 3,
        Seed = 7,
        Interval = TimeSpan.FromSeconds(10),
        Duration = TimeSpan.FromSeconds(40),
    };

    [Fact]
    public async Task Every_instant_is_sent_once_at_its_own_time_in_order()
    {
        // The simulator's own events, grouped by their time, are what each send must hold and when.
        var expected = new FleetSimulator(Fleet).Generate().GroupBy(e => e.Timestamp)
            .Select(g => (g.Key, string.Join(",", g.Select(e => e.Key)))).ToList();
        using var feed = new SimulatedFeed(new FleetSimulator(Fleet));
        var clock = new VirtualClock(Fleet.Start.AddSeconds(-5));
        var sent = new List<(DateTimeOffset, string)>();

        await feed.PlayAsync(clock, (batch, _) =>
        {
            sent.Add((clock.Now, string.Join(",", batch.Select(e => e.Key))));
            return Task.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(expected, sent);
        Assert.Null(feed.NextTime); // the fleet's 40 s are over
    }

    [Fact]
    public async Task A_stop_ends_the_play_without_an_error_and_sends_nothing_more()
    {
        using var feed = new SimulatedFeed(new FleetSimulator(Fleet));
        using var stop = new CancellationTokenSource();
        var batches = new List<List<Telemetry>>();

        await feed.PlayAsync(new VirtualClock(Fleet.Start), async (batch, ct) =>
        {
            batches.Add(batch);
            await stop.CancelAsync();     // Ctrl+C during the first send
            ct.ThrowIfCancellationRequested();
        }, stop.Token);

        Assert.Single(batches);
        Assert.NotNull(feed.NextTime);    // the rest of the fleet was never sent
    }

    [Fact]
    public async Task A_report_comes_after_the_send_once_its_pace_has_passed_since_the_start_or_the_last_report()
    {
        using var feed = new SimulatedFeed(new FleetSimulator(Fleet));   // instants at 0, 10, 20 and 30 s
        var clock = new VirtualClock(Fleet.Start);
        var log = new List<string>();

        await feed.PlayAsync(clock, (batch, _) =>
        {
            log.Add($"send {(clock.Now - Fleet.Start).TotalSeconds}");
            return Task.CompletedTask;
        }, TimeSpan.FromSeconds(15), now => log.Add($"report {(now - Fleet.Start).TotalSeconds}"), CancellationToken.None);

        Assert.Equal(
        [
            "send 0",     // nothing has passed since the start
            "send 10",    // 10 s < 15 s
            "send 20",
            "report 20",  // 20 s since the start: reported after the send
            "send 30",    // 10 s since the last report
        ], log);
    }
}
