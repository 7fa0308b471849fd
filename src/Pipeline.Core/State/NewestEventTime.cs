namespace Pipeline.Core.State;

/// <summary>
/// The newest event time seen so far, raised by every partition that records events and read by the Api without a
/// lock (the metric histories' "latest event" that the fleet view measures silence against).
/// </summary>
public sealed class NewestEventTime
{
    private long _ticks = long.MinValue;

    /// <summary>The newest time raised to; null before the first.</summary>
    public DateTimeOffset? Value => Interlocked.Read(ref _ticks) is var t && t == long.MinValue ? null : new DateTimeOffset(t, TimeSpan.Zero);

    /// <summary>Raises the value to <paramref name="time"/> when it is newer; an older time changes nothing.</summary>
    public void Raise(DateTimeOffset time)
    {
        var ticks = time.UtcTicks;
        for (var seen = Interlocked.Read(ref _ticks); ticks > seen; seen = Interlocked.Read(ref _ticks))
        {
            if (Interlocked.CompareExchange(ref _ticks, ticks, seen) == seen)
            {
                return;
            }
        }
    }
}
