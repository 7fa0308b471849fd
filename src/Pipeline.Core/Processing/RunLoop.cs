using Pipeline.Core.Simulation;

namespace Pipeline.Core.Processing;

/// <summary>
/// The heartbeat of an in-process run (the CLI's <c>run</c> and <c>demo</c>): feeds simulated events when their time comes and sweeps every
/// partition at a fixed interval (idle keys advance, unpublished alerts are retried), until the stop time, the
/// cancellation token, or <c>stopWhen</c>. One wait per turn, on the run's clock, so a fake clock can drive it step by step.
/// </summary>
public static class RunLoop
{
    public static async Task RunAsync(PartitionedProcessor ingress, IRunClock clock, SimulatedFeed? sim, TimeSpan sweepEvery,
        DateTimeOffset? stopAt, Task stopWhen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ingress);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(stopWhen);
        // The first sweep is at the start, so keys watched before their first event start their silence then.
        var nextSweep = clock.Now;
        while (!cancellationToken.IsCancellationRequested && !stopWhen.IsCompleted)
        {
            var now = clock.Now;
            if (stopAt is { } end && now >= end)
            {
                return;
            }

            if (sim?.NextTime is { } due && due <= now)
            {
                await ingress.SubmitAsync(sim.TakeUntil(now), now, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (nextSweep <= now)
            {
                await ingress.SweepAsync(now, cancellationToken).ConfigureAwait(false);
                nextSweep += sweepEvery;
                if (nextSweep <= now)
                {
                    nextSweep = now + sweepEvery; // fell behind (a slow store): skip the missed sweeps
                }

                continue;
            }

            var wake = nextSweep;
            if (sim?.NextTime is { } next && next < wake)
            {
                wake = next;
            }

            if (stopAt is { } stop && stop < wake)
            {
                wake = stop;
            }

            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var wait = clock.WaitUntilAsync(wake, waiting.Token);
            if (!wait.IsCompleted && await Task.WhenAny(wait, stopWhen).ConfigureAwait(false) != wait)
            {
                await waiting.CancelAsync().ConfigureAwait(false);
            }

            await wait.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
