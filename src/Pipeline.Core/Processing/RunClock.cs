namespace Pipeline.Core.Processing;

/// <summary>The time a run is driven by: the wall clock (live) or simulated time that jumps ahead (demo).</summary>
public interface IRunClock
{
    DateTimeOffset Now { get; }

    /// <summary>Returns once <see cref="Now"/> has reached <paramref name="due"/>.</summary>
    Task WaitUntilAsync(DateTimeOffset due, CancellationToken cancellationToken);
}

/// <summary>Simulated time: a wait moves the clock to its end at once, so an hour of a fleet runs in seconds.</summary>
public sealed class VirtualClock(DateTimeOffset start) : IRunClock
{
    public DateTimeOffset Now { get; private set; } = start;

    public Task WaitUntilAsync(DateTimeOffset due, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (due > Now)
        {
            Now = due;
        }

        return Task.CompletedTask;
    }
}
