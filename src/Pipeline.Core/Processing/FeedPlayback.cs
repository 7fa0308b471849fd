using Pipeline.Core.Events;
using Pipeline.Core.Simulation;

namespace Pipeline.Core.Processing;

/// <summary>The simulated fleet played on a run clock: what a live simulation sends to an endpoint or a hub.</summary>
public static class FeedPlayback
{
    /// <summary>
    /// Sends each instant's events when its time comes on <paramref name="clock"/>, until the fleet's run is over or
    /// <paramref name="cancellationToken"/> stops it; a stop is not a failure.
    /// </summary>
    public static async Task PlayAsync(this SimulatedFeed feed, IRunClock clock, Func<List<Telemetry>, CancellationToken, Task> send,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(send);
        try
        {
            while (feed.NextTime is { } due)
            {
                await clock.WaitUntilAsync(due, cancellationToken).ConfigureAwait(false);
                await send(feed.TakeUntil(clock.Now), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the caller reports what was sent.
        }
    }

    /// <summary>
    /// Plays the feed as <see cref="PlayAsync(SimulatedFeed, IRunClock, Func{List{Telemetry}, CancellationToken, Task}, CancellationToken)"/>
    /// does, and after a send calls <paramref name="report"/> with the clock's time once <paramref name="reportEvery"/>
    /// has passed since the fleet's start or the last report: a progress line at a steady pace, however many sends.
    /// </summary>
    public static Task PlayAsync(this SimulatedFeed feed, IRunClock clock, Func<List<Telemetry>, CancellationToken, Task> send,
        TimeSpan reportEvery, Action<DateTimeOffset> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(report);
        var lastReport = feed.Simulator.Options.Start;
        return feed.PlayAsync(clock, async (batch, ct) =>
        {
            await send(batch, ct).ConfigureAwait(false);
            if (clock.Now - lastReport >= reportEvery)
            {
                lastReport = clock.Now;
                report(lastReport);
            }
        }, cancellationToken);
    }
}
