namespace Pipeline.Core.Time;

/// <summary>A half-open interval <c>[Start, End)</c> of event time. <c>End &lt; Start</c> is rejected.</summary>
public readonly record struct TimeInterval
{
    public TimeInterval(DateTimeOffset start, DateTimeOffset end)
    {
        if (end < start)
        {
            throw new ArgumentOutOfRangeException(nameof(end), end, $"Interval end {end:O} is before its start {start:O}.");
        }

        Start = start;
        End = end;
    }

    public DateTimeOffset Start { get; }

    public DateTimeOffset End { get; }

    public TimeSpan Duration => End - Start;

    public bool IsEmpty => End == Start;

    /// <summary>True when <paramref name="instant"/> is in <c>[Start, End)</c>.</summary>
    public bool Contains(DateTimeOffset instant) => instant >= Start && instant < End;

    public bool Overlaps(TimeInterval other) => Start < other.End && other.Start < End;

    public override string ToString() => $"[{Start:O}, {End:O})";
}
