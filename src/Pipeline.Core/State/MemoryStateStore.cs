using System.Globalization;

namespace Pipeline.Core.State;

/// <summary>
/// Thread-safe in-memory <see cref="IStateStore"/>: the embedded default and the reference the conformance suite pins.
/// ETags are store-wide increasing versions; the deadline index is a sorted set, so due keys are found without a scan.
/// </summary>
public sealed class MemoryStateStore : IStateStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly SortedSet<(DateTimeOffset Deadline, string Key)> _deadlines = new(DeadlineComparer.Instance);
    private long _version;

    /// <summary>Number of keys stored.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public Task<IReadOnlyDictionary<string, StoredState>> LoadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        cancellationToken.ThrowIfCancellationRequested();
        var result = new Dictionary<string, StoredState>(StringComparer.Ordinal);
        lock (_lock)
        {
            foreach (var key in keys)
            {
                ValidateKey(key);
                if (_entries.TryGetValue(key, out var entry))
                {
                    result[key] = new StoredState(key, entry.Snapshot, entry.ETag, entry.Deadline);
                }
            }
        }

        return Task.FromResult<IReadOnlyDictionary<string, StoredState>>(result);
    }

    public Task<string> SaveAsync(StateWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        ValidateKey(write.Key);
        cancellationToken.ThrowIfCancellationRequested();

        // Copied so a caller reusing its buffer cannot change what is stored.
        var snapshot = write.Snapshot.ToArray();
        lock (_lock)
        {
            _entries.TryGetValue(write.Key, out var current);
            if (current?.ETag != write.ExpectedETag)
            {
                throw new StateConflictException(write.Key, write.ExpectedETag);
            }

            if (current?.Deadline is { } oldDeadline)
            {
                _deadlines.Remove((oldDeadline, write.Key));
            }

            if (write.NextDeadline is { } newDeadline)
            {
                _deadlines.Add((newDeadline, write.Key));
            }

            _version++;
            var etag = _version.ToString(CultureInfo.InvariantCulture);
            _entries[write.Key] = new Entry(snapshot, etag, write.NextDeadline);
            return Task.FromResult(etag);
        }
    }

    public Task<IReadOnlyList<string>> GetDueKeysAsync(DateTimeOffset asOf, int maxKeys, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxKeys);
        cancellationToken.ThrowIfCancellationRequested();
        var due = new List<string>();
        lock (_lock)
        {
            // In-order enumeration of a red-black tree: stops at the first entry past asOf.
            foreach (var (deadline, key) in _deadlines)
            {
                if (due.Count >= maxKeys || deadline > asOf)
                {
                    break;
                }

                due.Add(key);
            }
        }

        return Task.FromResult<IReadOnlyList<string>>(due);
    }

    private static void ValidateKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
    }

    private sealed record Entry(byte[] Snapshot, string ETag, DateTimeOffset? Deadline);

    /// <summary>Orders by instant (not by offset), then by key, so equal deadlines of different keys coexist.</summary>
    private sealed class DeadlineComparer : IComparer<(DateTimeOffset Deadline, string Key)>
    {
        public static DeadlineComparer Instance { get; } = new();

        public int Compare((DateTimeOffset Deadline, string Key) x, (DateTimeOffset Deadline, string Key) y)
        {
            var byTime = x.Deadline.UtcTicks.CompareTo(y.Deadline.UtcTicks);
            return byTime != 0 ? byTime : string.CompareOrdinal(x.Key, y.Key);
        }
    }
}
