using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Pipeline.Azure.Tests.Testing;

/// <summary>A fake clock that tells the test when code under test starts waiting, and for how long.</summary>
internal sealed class TimerSignallingTimeProvider : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public TimerSignallingTimeProvider()
    {
    }

    public TimerSignallingTimeProvider(DateTimeOffset start)
        : base(start)
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>Waits until a timer is created and returns its due time.</summary>
    public async Task<TimeSpan> NextTimerAsync(CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        return await _timers.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>
    /// Lets <paramref name="run"/> finish by moving the clock forward exactly as far as each wait it starts, one wait
    /// at a time, so the code sees the same instants it would see live, only without waiting for them.
    /// </summary>
    public async Task DriveUntilDoneAsync(Task run)
    {
        using var stop = new CancellationTokenSource();
        while (!run.IsCompleted)
        {
            var next = NextTimerAsync(stop.Token);
            if (await Task.WhenAny(run, next) == next)
            {
                Advance(await next);
            }
        }

        await stop.CancelAsync();
    }
}
