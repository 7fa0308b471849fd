namespace Pipeline.Core.State;

/// <summary>
/// Per-key state persistence with optimistic concurrency and a deadline index (so the Sweep finds due keys
/// without reading every key).
/// </summary>
public interface IStateStore
{
    /// <summary>Loads the stored state of each key; keys with nothing stored are absent from the result.</summary>
    Task<IReadOnlyDictionary<string, StoredState>> LoadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes one key's snapshot if the stored ETag still equals <see cref="StateWrite.ExpectedETag"/>
    /// (<c>null</c>: the key must not exist yet) and returns the new ETag.
    /// </summary>
    /// <exception cref="StateConflictException">Someone else wrote the key since it was loaded.</exception>
    Task<string> SaveAsync(StateWrite write, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes several keys, each conditional on its own <see cref="StateWrite.ExpectedETag"/> exactly as
    /// <see cref="SaveAsync"/> does, and reports per key: the new ETag, or a conflict (that key is not written; the
    /// others are). A store may group the writes (Table storage: entity group transactions per partition); the
    /// default writes them one by one. Each key may appear once per call.
    /// </summary>
    async Task<IReadOnlyList<StateSaveResult>> SaveManyAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writes);
        if (writes.Select(w => w.Key).Distinct(StringComparer.Ordinal).Count() != writes.Count)
        {
            throw new ArgumentException("A key appears twice in one save; each key may be written once per call.", nameof(writes));
        }

        var results = new List<StateSaveResult>(writes.Count);
        foreach (var write in writes)
        {
            try
            {
                results.Add(new StateSaveResult(write.Key, await SaveAsync(write, cancellationToken).ConfigureAwait(false)));
            }
            catch (StateConflictException)
            {
                results.Add(new StateSaveResult(write.Key, null));
            }
        }

        return results;
    }

    /// <summary>Keys whose next deadline is at or before <paramref name="asOf"/>, earliest first, at most <paramref name="maxKeys"/>.</summary>
    Task<IReadOnlyList<string>> GetDueKeysAsync(DateTimeOffset asOf, int maxKeys, CancellationToken cancellationToken = default);
}

/// <summary>A stored snapshot with its ETag and the key's next deadline (processing time), if any.</summary>
public sealed record StoredState(string Key, ReadOnlyMemory<byte> Snapshot, string ETag, DateTimeOffset? NextDeadline);

/// <summary>A conditional write of one key's snapshot.</summary>
public sealed record StateWrite(string Key, ReadOnlyMemory<byte> Snapshot, string? ExpectedETag, DateTimeOffset? NextDeadline);

/// <summary>The outcome of one key in <see cref="IStateStore.SaveManyAsync"/>: the new ETag, or null when it conflicted.</summary>
public sealed record StateSaveResult(string Key, string? ETag)
{
    /// <summary>Someone else wrote the key since it was loaded: nothing was written for it.</summary>
    public bool Conflicted => ETag is null;
}

/// <summary>The stored ETag of a key is not the one the writer loaded: reload and re-apply.</summary>
public sealed class StateConflictException : Exception
{
    public StateConflictException(string key, string? expectedETag, Exception? inner = null)
        : base($"State of key '{key}' changed since it was loaded (expected ETag {expectedETag ?? "<none: new key>"}).", inner)
    {
        Key = key;
        ExpectedETag = expectedETag;
    }

    public StateConflictException()
        : this(string.Empty, (string?)null)
    {
    }

    public StateConflictException(string message)
        : base(message)
    {
        Key = string.Empty;
    }

    public StateConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
        Key = string.Empty;
    }

    public string Key { get; }

    public string? ExpectedETag { get; }
}
