namespace Pipeline.Core.Time;

/// <summary>
/// A half-open interval <c>[Start, End)</c> of event time, in UTC. <c>End</c> must be after <c>Start</c>: an
/// empty or inverted interval is rejected.
/// </summary>
public readonly record struct TimeInterval
{
    public TimeInterval(EventTime start, EventTime end)
    {
        if (end <= start)
        {
            throw new ArgumentOutOfRangeException(nameof(end), end, $"Interval end {end} is not after its start {start}.");
        }

        Start = start.ToDateTimeOffset();
        End = end.ToDateTimeOffset();
    }

    /// <summary>The interval between two instants (their offsets are dropped: intervals are kept in UTC).</summary>
    public TimeInterval(DateTimeOffset start, DateTimeOffset end)
        : this(EventTime.FromDateTimeOffset(start), EventTime.FromDateTimeOffset(end))
    {
    }

    public DateTimeOffset Start { get; }

    public DateTimeOffset End { get; }

    public EventTime StartTime => EventTime.FromDateTimeOffset(Start);

    public EventTime EndTime => EventTime.FromDateTimeOffset(End);

    public TimeSpan Duration => End - Start;

    /// <summary>True when <paramref name="instant"/> is in <c>[Start, End)</c>.</summary>
    public bool Contains(EventTime instant) => instant >= StartTime && instant < EndTime;

    /// <summary>True when <paramref name="instant"/> is in <c>[Start, End)</c>.</summary>
    public bool Contains(DateTimeOffset instant) => instant >= Start && instant < End;

    public bool Overlaps(TimeInterval other) => Start < other.End && other.Start < End;

    public override string ToString() => $"[{Start:O}, {End:O})";
}
