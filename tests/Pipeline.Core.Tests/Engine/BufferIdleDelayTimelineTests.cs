using Pipeline.Core.Tests.Support;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Engine;

/// <summary>
/// When the Sweep must visit a key whose latest events wait in the reorder buffer: not before the buffer idle delay
/// after the key's last arrival, so a device that keeps sending is never due just for its buffer, while one that stops
/// still has its last events evaluated, at most the idle delay (plus one Sweep interval) late.
/// </summary>
public sealed class BufferIdleDelayTimelineTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(60);

    [Fact]
    public void A_device_sending_every_10_s_is_never_due_for_its_buffer()
    {
        var t = new Timeline(Set(TimeSpan.FromSeconds(5), Threshold("hot", "temperature", "> 80")));

        for (var s = 0; s <= 120; s += 10)
        {
            t.Send("temperature", (s, 70));

            // Its latest event is buffered for 5 s, but the next event (10 s later) comes before the idle delay ends.
            Assert.Equal(Timeline.At(s + 60), t.Engine.NextDeadline(t.State(), Timeline.At(s), Idle));
            Assert.True(t.Engine.NextDeadline(t.State(), Timeline.At(s), Idle) > Timeline.At(s + 10));
        }

        // Without the delay the same key is due 5 s after every event, so at every Sweep.
        Assert.Equal(Timeline.At(125), t.Engine.NextDeadline(t.State(), Timeline.At(120)));
    }

    [Fact]
    public void A_device_that_stops_sending_has_its_last_event_evaluated_at_the_idle_delay()
    {
        var t = new Timeline(Set(TimeSpan.FromSeconds(5), Threshold("hot", "temperature", "> 80")));

        t.Send("temperature", (0, 70), (10, 90));                                            // 0:10 hot, buffered for reordering
        Assert.Empty(t.Lines());                                                             // not yet released
        Assert.Equal(Timeline.At(70), t.Engine.NextDeadline(t.State(), Timeline.At(10), Idle)); // due 60 s after the last arrival
        t.Sweep(70);                                                                         // the Sweep at the deadline releases it
        Assert.Equal(["Fired hot d1 00:00:10 warning"], t.Lines());                          // the alert keeps the event's time
    }
}
