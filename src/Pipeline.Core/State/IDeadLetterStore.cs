namespace Pipeline.Core.State;

/// <summary>Where events that cannot be applied are kept, with their raw bytes and a reason.</summary>
public interface IDeadLetterStore
{
    /// <summary>Adds dead letters; adding one whose <see cref="DeadLetter.Id"/> is already stored changes nothing.</summary>
    Task AddAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken = default);

    /// <summary>Dead letters recorded in <c>[since, until)</c>, oldest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<DeadLetter>> QueryAsync(DateTimeOffset since, DateTimeOffset until, int max, CancellationToken cancellationToken = default);

    /// <summary>Removes dead letters recorded before <paramref name="olderThan"/> (retention); returns how many were removed.</summary>
    Task<int> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default);
}
