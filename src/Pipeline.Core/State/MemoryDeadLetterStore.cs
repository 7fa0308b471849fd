namespace Pipeline.Core.State;

/// <summary>Thread-safe in-memory <see cref="IDeadLetterStore"/>, ordered by recording time (ties by id).</summary>
public sealed class MemoryDeadLetterStore : IDeadLetterStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DeadLetter> _byId = new(StringComparer.Ordinal);
    private readonly SortedSet<(long Ticks, string Id)> _byTime = new(Comparer<(long Ticks, string Id)>.Create(
        static (x, y) => x.Ticks != y.Ticks ? x.Ticks.CompareTo(y.Ticks) : string.CompareOrdinal(x.Id, y.Id)));

    /// <summary>Number of dead letters stored.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byId.Count;
            }
        }
    }

    public Task AddAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetters);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            foreach (var deadLetter in deadLetters)
            {
                ArgumentNullException.ThrowIfNull(deadLetter);
                ArgumentException.ThrowIfNullOrEmpty(deadLetter.Id);
                if (_byId.ContainsKey(deadLetter.Id))
                {
                    continue;
                }

                // Copied so the caller's buffer can be reused.
                _byId.Add(deadLetter.Id, deadLetter with { Body = deadLetter.Body.ToArray() });
                _byTime.Add((deadLetter.RecordedAt.UtcTicks, deadLetter.Id));
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<DeadLetter>> QueryAsync(DateTimeOffset since, DateTimeOffset until, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        cancellationToken.ThrowIfCancellationRequested();
        var result = new List<DeadLetter>();
        if (until <= since || max == 0)
        {
            return Task.FromResult<IReadOnlyList<DeadLetter>>(result);
        }

        lock (_lock)
        {
            // Ids are never empty, so (until, "") sorts after everything before `until` and before everything at it: [since, until).
            var view = _byTime.GetViewBetween((since.UtcTicks, string.Empty), (until.UtcTicks, string.Empty));
            foreach (var (_, id) in view)
            {
                if (result.Count >= max)
                {
                    break;
                }

                result.Add(_byId[id]);
            }
        }

        return Task.FromResult<IReadOnlyList<DeadLetter>>(result);
    }

    public Task<int> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            // Oldest first: stop at the first one recorded at or after olderThan.
            var old = _byTime.TakeWhile(e => e.Ticks < olderThan.UtcTicks).ToList();
            foreach (var entry in old)
            {
                _byTime.Remove(entry);
                _byId.Remove(entry.Id);
            }

            return Task.FromResult(old.Count);
        }
    }
}
