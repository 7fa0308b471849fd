namespace Pipeline.Core.Processing;

/// <summary>
/// When to try delivering alerts again after the sink failed: the first retry after the initial delay, each later one
/// twice as long after the previous, never longer than the maximum; a success resets it. Times are processing times
/// given by the caller, so the core stays free of clocks.
/// </summary>
internal sealed class DeliveryBackoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly Lock _lock = new();
    private int _failures;
    private DateTimeOffset? _next;

    public DeliveryBackoff(TimeSpan initial, TimeSpan max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        _initial = initial;
        _max = max;
    }

    /// <summary>The earliest time of the next attempt; null when the last attempt succeeded (or none was made).</summary>
    public DateTimeOffset? NextAttempt
    {
        get
        {
            lock (_lock)
            {
                return _next;
            }
        }
    }

    public bool IsDue(DateTimeOffset now)
    {
        lock (_lock)
        {
            return _next is not { } next || now >= next;
        }
    }

    public void Record(bool succeeded, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (succeeded)
            {
                _failures = 0;
                _next = null;
                return;
            }

            _failures++;
            var delay = _initial;
            for (var i = 1; i < _failures && delay < _max; i++)
            {
                delay += delay;
            }

            _next = now + (delay < _max ? delay : _max);
        }
    }
}
