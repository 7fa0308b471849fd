using Pipeline.Core.Processing;

namespace Pipeline.Local;

/// <summary>Live time from a <see cref="TimeProvider"/>: waits really wait (tests inject a fake provider).</summary>
public sealed class LiveClock(TimeProvider time) : IRunClock
{
    public DateTimeOffset Now => time.GetUtcNow();

    public async Task WaitUntilAsync(DateTimeOffset due, CancellationToken cancellationToken)
    {
        var wait = due - time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
