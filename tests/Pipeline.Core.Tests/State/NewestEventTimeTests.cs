using Pipeline.Core.State;

namespace Pipeline.Core.Tests.State;

public sealed class NewestEventTimeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Only_a_newer_time_raises_it_and_it_reads_in_utc()
    {
        var newest = new NewestEventTime();
        Assert.Null(newest.Value);                            // nothing seen yet

        newest.Raise(T0.AddMinutes(5));
        newest.Raise(T0.AddMinutes(2));                       // older: no change
        Assert.Equal(T0.AddMinutes(5), newest.Value);

        newest.Raise(new DateTimeOffset(2026, 1, 1, 2, 0, 0, TimeSpan.FromHours(1))); // 01:00 UTC
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.Zero), newest.Value);
        Assert.Equal(TimeSpan.Zero, newest.Value!.Value.Offset);
    }

    [Fact]
    public async Task Raised_from_many_threads_it_ends_at_the_newest()
    {
        var newest = new NewestEventTime();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                newest.Raise(T0.AddSeconds((i * 8) + t));
            }
        })));

        Assert.Equal(T0.AddSeconds((9_999 * 8) + 7), newest.Value);
    }
}
