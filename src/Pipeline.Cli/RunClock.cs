namespace Pipeline.Cli;

/// <summary>The time a run is driven by: the wall clock (live) or simulated time that jumps ahead (demo).</summary>
internal interface IRunClock
{
    DateTimeOffset Now { get; }

    /// <summary>Returns once <see cref="Now"/> has reached <paramref name="when"/>.</summary>
    Task WaitUntilAsync(DateTimeOffset when, CancellationToken cancellationToken);
}

/// <summary>Live time from a <see cref="TimeProvider"/>: waits really wait (tests inject a fake provider).</summary>
internal sealed class LiveClock(TimeProvider time) : IRunClock
{
    public DateTimeOffset Now => time.GetUtcNow();

    public async Task WaitUntilAsync(DateTimeOffset when, CancellationToken cancellationToken)
    {
        var wait = when - time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>Simulated time: a wait moves the clock to its end at once, so an hour of a fleet runs in seconds.</summary>
internal sealed class VirtualClock(DateTimeOffset start) : IRunClock
{
    public DateTimeOffset Now { get; private set; } = start;

    public Task WaitUntilAsync(DateTimeOffset when, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (when > Now)
        {
            Now = when;
        }

        return Task.CompletedTask;
    }
}
