namespace Pipeline.Core.Alerts.Silences;

/// <summary>
/// Where silences are kept, beside the rules. Writes are validated (<see cref="SilenceValidationException"/> names each
/// bad field); expired silences stay listed, matching nothing, until purged.
/// </summary>
public interface ISilenceStore
{
    /// <summary>Every stored silence, expired ones included, ordered by start then id.</summary>
    Task<IReadOnlyList<Silence>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds a silence after checking it (and that it ends after <paramref name="now"/> and its id is new).</summary>
    Task AddAsync(Silence silence, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Ends a silence at <paramref name="now"/> (one not started yet never starts); null when no silence has that id.</summary>
    Task<Silence?> ExpireAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Removes silences that ended before <paramref name="endedBefore"/>; returns how many.</summary>
    Task<int> PurgeAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken = default);
}

/// <summary>A silence that cannot be stored; each error starts with the field it is about (<c>endsAt: …</c>).</summary>
public sealed class SilenceValidationException(IReadOnlyList<string> errors)
    : ArgumentException("Invalid silence: " + string.Join("; ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
