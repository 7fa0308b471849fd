using System.Globalization;

namespace Pipeline.Core.Time;

/// <summary>
/// A point on the event-time line, in UTC ticks (like NodaTime's <c>Instant</c>): a readonly struct over one
/// <see cref="long"/>, so it costs nothing on the hot path. Built from a <see cref="DateTimeOffset"/> it keeps
/// the instant and drops the offset; arithmetic with a duration is range checked. "No time yet" is
/// <c>EventTime?</c> in public APIs; the engine's internal sentinels never leave it.
/// </summary>
public readonly struct EventTime : IEquatable<EventTime>, IComparable<EventTime>, IComparable, IFormattable
{
    private const long MinTicks = 0;
    private static readonly long MaxTicks = DateTimeOffset.MaxValue.UtcTicks;

    private readonly long _ticks;

    private EventTime(long ticks) => _ticks = ticks;

    /// <summary>The earliest representable instant (0001-01-01T00:00:00Z).</summary>
    public static EventTime MinValue => new(MinTicks);

    /// <summary>The latest representable instant (9999-12-31T23:59:59.9999999Z).</summary>
    public static EventTime MaxValue => new(MaxTicks);

    /// <summary>Ticks (100 ns) since 0001-01-01T00:00:00Z.</summary>
    public long UtcTicks => _ticks;

    /// <summary>The same instant; the offset is not part of event time.</summary>
    public static EventTime FromDateTimeOffset(DateTimeOffset value) => new(value.UtcTicks);

    /// <summary>An instant from UTC ticks; rejects ticks outside the range of <see cref="DateTimeOffset"/>.</summary>
    public static EventTime FromUtcTicks(long ticks)
    {
        if (ticks < MinTicks || ticks > MaxTicks)
        {
            throw new ArgumentOutOfRangeException(nameof(ticks), ticks, $"Event time ticks must be between {MinTicks} and {MaxTicks}.");
        }

        return new EventTime(ticks);
    }

    public DateTimeOffset ToDateTimeOffset() => new(_ticks, TimeSpan.Zero);

    /// <summary>This instant plus a duration; throws when the result leaves the representable range.</summary>
    public EventTime Plus(TimeSpan duration)
    {
        // Compared before adding, so the sum never overflows.
        if (duration.Ticks > 0 ? duration.Ticks > MaxTicks - _ticks : duration.Ticks < MinTicks - _ticks)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, $"{this} plus {duration} is outside the range of event time.");
        }

        return new EventTime(_ticks + duration.Ticks);
    }

    public static EventTime operator +(EventTime time, TimeSpan duration) => time.Plus(duration);

    public static EventTime operator -(EventTime time, TimeSpan duration) =>
        duration == TimeSpan.MinValue ? throw new ArgumentOutOfRangeException(nameof(duration), duration, "The duration is outside the range of event time.") : time.Plus(duration.Negate());

    public static TimeSpan operator -(EventTime end, EventTime start) => TimeSpan.FromTicks(end._ticks - start._ticks);

    public static bool operator ==(EventTime left, EventTime right) => left._ticks == right._ticks;

    public static bool operator !=(EventTime left, EventTime right) => left._ticks != right._ticks;

    public static bool operator <(EventTime left, EventTime right) => left._ticks < right._ticks;

    public static bool operator >(EventTime left, EventTime right) => left._ticks > right._ticks;

    public static bool operator <=(EventTime left, EventTime right) => left._ticks <= right._ticks;

    public static bool operator >=(EventTime left, EventTime right) => left._ticks >= right._ticks;

    public static EventTime Max(EventTime a, EventTime b) => a._ticks >= b._ticks ? a : b;

    public static EventTime Min(EventTime a, EventTime b) => a._ticks <= b._ticks ? a : b;

    public bool Equals(EventTime other) => _ticks == other._ticks;

    public override bool Equals(object? obj) => obj is EventTime other && Equals(other);

    public override int GetHashCode() => _ticks.GetHashCode();

    public int CompareTo(EventTime other) => _ticks.CompareTo(other._ticks);

    public int CompareTo(object? obj) => obj switch
    {
        null => 1,
        EventTime other => CompareTo(other),
        _ => throw new ArgumentException($"Cannot compare an event time with {obj.GetType().Name}.", nameof(obj)),
    };

    /// <summary>ISO 8601 in UTC, e.g. <c>2026-01-01T00:00:00.0000000+00:00</c>.</summary>
    public override string ToString() => ToDateTimeOffset().ToString("O", CultureInfo.InvariantCulture);

    public string ToString(string? format, IFormatProvider? formatProvider) => ToDateTimeOffset().ToString(format ?? "O", formatProvider ?? CultureInfo.InvariantCulture);
}
