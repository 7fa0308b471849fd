using System.Text;
using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Core.Tests.State;

public sealed class DeadLetterIdTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("not json");

    [Fact]
    public void The_same_event_redelivered_gets_the_same_id()
    {
        // Event Hubs redelivers an event with its partition, sequence number and enqueued time unchanged.
        Assert.Equal(
            DeadLetter.CreateId(new SourcePosition("3", 42, T0), Body),
            DeadLetter.CreateId(new SourcePosition("3", 42, T0), Body));
    }

    [Fact]
    public void The_same_body_at_the_same_number_but_another_arrival_is_another_occurrence()
    {
        // A local source numbers its records from 0 in every run: only the arrival time tells the runs apart.
        Assert.NotEqual(
            DeadLetter.CreateId(new SourcePosition("stdin", 0, T0), Body),
            DeadLetter.CreateId(new SourcePosition("stdin", 0, T0.AddHours(1)), Body));
    }

    [Fact]
    public void Another_position_or_body_gives_another_id()
    {
        var id = DeadLetter.CreateId(new SourcePosition("3", 42, T0), Body);

        Assert.NotEqual(id, DeadLetter.CreateId(new SourcePosition("4", 42, T0), Body));
        Assert.NotEqual(id, DeadLetter.CreateId(new SourcePosition("3", 43, T0), Body));
        Assert.NotEqual(id, DeadLetter.CreateId(new SourcePosition("3", 42, T0), Encoding.UTF8.GetBytes("not json!")));
    }
}
