using Pipeline.Core.Time;

namespace Pipeline.Core.Tests.Time;

public sealed class EventTimeTests
{
    private static readonly DateTimeOffset Noon = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_offset_timestamp_becomes_the_same_instant_in_utc()
    {
        var local = new DateTimeOffset(2026, 1, 1, 14, 0, 0, TimeSpan.FromHours(2)); // 12:00 UTC

        var time = EventTime.FromDateTimeOffset(local);

        Assert.Equal(EventTime.FromDateTimeOffset(Noon), time);
        Assert.Equal(TimeSpan.Zero, time.ToDateTimeOffset().Offset);
        Assert.Equal("2026-01-01T12:00:00.0000000+00:00", time.ToString());
    }

    [Fact]
    public void Adding_a_duration_moves_the_instant_and_checks_the_range()
    {
        var time = EventTime.FromDateTimeOffset(Noon);

        Assert.Equal(EventTime.FromDateTimeOffset(Noon.AddSeconds(90)), time + TimeSpan.FromSeconds(90));
        Assert.Equal(EventTime.FromDateTimeOffset(Noon.AddSeconds(-90)), time - TimeSpan.FromSeconds(90));
        Assert.Equal(TimeSpan.FromSeconds(90), (time + TimeSpan.FromSeconds(90)) - time);
        Assert.Throws<ArgumentOutOfRangeException>(() => EventTime.MaxValue + TimeSpan.FromTicks(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => EventTime.MinValue - TimeSpan.FromTicks(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => time + TimeSpan.MaxValue);
        Assert.Throws<ArgumentOutOfRangeException>(() => EventTime.FromUtcTicks(-1));
    }

    [Fact]
    public void Event_times_order_by_instant()
    {
        var early = EventTime.FromDateTimeOffset(Noon);
        var late = EventTime.FromDateTimeOffset(Noon.AddTicks(1));

        Assert.True(early < late);
        Assert.True(late >= early);
        Assert.Equal(late, EventTime.Max(early, late));
        Assert.Equal(early, EventTime.Min(early, late));
        Assert.Equal(-1, early.CompareTo(late));
    }

    [Fact]
    public void An_interval_is_half_open_and_must_not_be_empty()
    {
        var window = new TimeInterval(Noon, Noon.AddMinutes(1));

        Assert.True(window.Contains(Noon));
        Assert.True(window.Contains(Noon.AddMinutes(1).AddTicks(-1)));
        Assert.False(window.Contains(Noon.AddMinutes(1)));
        Assert.False(window.Contains(EventTime.FromDateTimeOffset(Noon.AddTicks(-1))));
        Assert.True(window.Overlaps(new TimeInterval(Noon.AddSeconds(59), Noon.AddMinutes(2))));
        Assert.False(window.Overlaps(new TimeInterval(Noon.AddMinutes(1), Noon.AddMinutes(2))));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeInterval(Noon, Noon));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeInterval(Noon, Noon.AddTicks(-1)));
    }

    [Fact]
    public void An_interval_keeps_its_instants_in_utc()
    {
        var window = new TimeInterval(Noon.ToOffset(TimeSpan.FromHours(3)), Noon.AddMinutes(1).ToOffset(TimeSpan.FromHours(-5)));

        Assert.Equal(TimeSpan.Zero, window.Start.Offset);
        Assert.Equal(TimeSpan.Zero, window.End.Offset);
        Assert.Equal(TimeSpan.FromMinutes(1), window.Duration);
    }

    [Fact]
    public void A_disorder_policy_rejects_negative_durations_and_names_the_setting()
    {
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => new DisorderPolicy(TimeSpan.FromSeconds(-1), TimeSpan.Zero, LatePolicy.Drop));
        Assert.Contains("tolerance", negative.Message, StringComparison.Ordinal);
        var lateness = Assert.Throws<ArgumentOutOfRangeException>(() => DisorderPolicy.Default with { AllowedLateness = TimeSpan.FromSeconds(-1) });
        Assert.Contains("lateness", lateness.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => DisorderPolicy.Default with { Late = (LatePolicy)7 });
    }

    [Theory]
    [InlineData("drop", LatePolicy.Drop)]
    [InlineData("Adjust", LatePolicy.Adjust)]
    [InlineData("deadLetter", LatePolicy.DeadLetter)]
    [InlineData("dead-letter", LatePolicy.DeadLetter)]
    public void Late_policy_names_parse_case_insensitively(string name, LatePolicy expected)
    {
        Assert.True(DisorderPolicy.TryParseLatePolicy(name, out var policy));
        Assert.Equal(expected, policy);
    }

    [Fact]
    public void Unknown_late_policy_names_do_not_parse_and_names_round_trip()
    {
        Assert.False(DisorderPolicy.TryParseLatePolicy("discard", out _));
        Assert.Equal(["drop", "adjust", "deadLetter"], Enum.GetValues<LatePolicy>().Select(DisorderPolicy.NameOf));
    }
}
