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

    /// <summary>
    /// A run from start to end: <see cref="RunAsync"/> while the inputs feed the processor, then the end in order: stop
    /// taking input (<paramref name="stopTakingInput"/>, e.g. a server; then the inputs), and one last sweep that retries
    /// every outbox. Finite inputs end the run when they are done unless it is <paramref name="endless"/> (then only a
    /// failing input, the stop time or cancellation does).
    /// </summary>
    /// <returns>What stopped the run if it failed (the loop, an input or the last sweep), else null.</returns>
    public static async Task<Exception?> RunToEndAsync(PartitionedProcessor ingress, IRunClock clock, SimulatedFeed? sim, TimeSpan sweepEvery,
        DateTimeOffset? stopAt, IReadOnlyList<Func<CancellationToken, Task>> inputs, bool endless, Func<ValueTask>? stopTakingInput,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ingress);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(inputs);
        using var stopSources = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inputsDone = Task.WhenAll(inputs.Select(input => input(stopSources.Token)));
        var stopWhen = endless ? WhenFaultedAsync(inputsDone, stopSources.Token) : inputsDone;
        Exception? failure = null;
        try
        {
            await RunAsync(ingress, clock, sim, sweepEvery, stopAt, stopWhen, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C while processing: stop and flush like any other end.
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        // Stop taking input, then deliver what is waiting: one last retry of every outbox at the current time.
        if (stopTakingInput is not null)
        {
            await stopTakingInput().ConfigureAwait(false);
        }

        await stopSources.CancelAsync().ConfigureAwait(false);
        try
        {
            await inputsDone.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A source cut short by the stop.
        }
        catch (Exception ex) when (failure is null)
        {
            failure = ex;
        }

        using var flushTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await ingress.SweepAsync(clock.Now, flushTimeout.Token).ConfigureAwait(false);

            // With deferred delivery the Sweep only persists: one last delivery of what waits (unless the sink is
            // in its retry wait, which leaves the alerts to the summary's count of what is undelivered).
            await ingress.DeliverAsync(clock.Now, flushTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (failure is null)
        {
            // The summary still matters when the last flush fails (a state store that went away).
            failure = ex;
        }

        return failure;
    }

    /// <summary>Completes when <paramref name="task"/> fails (a broken input ends the run), else only when cancelled.</summary>
    private static async Task WhenFaultedAsync(Task task, CancellationToken cancellationToken)
    {
        await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!task.IsFaulted)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
