namespace Pipeline.Core.Alerts.Silences;

/// <summary>
/// An <see cref="ISilenceStore"/> kept as one JSON document (a file, a blob, memory). Each change reads the document,
/// changes it and writes it back only if nobody wrote in between (the version check), retrying otherwise, so two
/// people adding silences at once both keep theirs. Every write also drops silences that ended more than
/// <see cref="PurgeAfter"/> ago.
/// </summary>
public abstract class SilenceDocumentStore : ISilenceStore
{
    private const int MaxAttempts = 16;

    /// <summary>How long an expired silence stays listed before a write purges it.</summary>
    public TimeSpan PurgeAfter { get; init; } = TimeSpan.FromDays(7);

    /// <summary>The document and its version (null, null when there is none yet).</summary>
    protected abstract Task<(byte[]? Document, string? Version)> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Writes the document if its version is still <paramref name="version"/> (null: if there is none); false when it changed.</summary>
    protected abstract Task<bool> TryWriteAsync(byte[] document, string? version, CancellationToken cancellationToken);

    public async Task<IReadOnlyList<Silence>> ListAsync(CancellationToken cancellationToken = default)
    {
        var (document, _) = await ReadAsync(cancellationToken).ConfigureAwait(false);
        return Ordered(document is null ? [] : SilenceJson.ReadList(document));
    }

    public async Task AddAsync(Silence silence, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(silence);
        var errors = new List<string>(silence.Validate());
        if (silence.EndsAt <= now && !errors.Exists(e => e.StartsWith("endsAt", StringComparison.Ordinal)))
        {
            errors.Add($"endsAt: must be in the future (now is {now:O}), got {silence.EndsAt:O}");
        }

        if (errors.Count > 0)
        {
            throw new SilenceValidationException(errors);
        }

        await ChangeAsync(now, list =>
        {
            if (list.Exists(s => s.Id == silence.Id))
            {
                throw new SilenceValidationException([$"id: a silence with id '{silence.Id}' already exists"]);
            }

            list.Add(silence);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Silence?> ExpireAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        Silence? result = null;
        await ChangeAsync(now, list =>
        {
            var index = list.FindIndex(s => s.Id == id);
            if (index < 0)
            {
                result = null;
                return false;
            }

            var s = list[index];
            if (s.EndsAt <= now)
            {
                result = s;
                return false;
            }

            // One that has not started ends where it would have started: it never matches.
            result = s with { EndsAt = s.StartsAt > now ? s.StartsAt : now };
            list[index] = result;
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public async Task<int> PurgeAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken = default)
    {
        var removed = 0;
        await ChangeAsync(null, list =>
        {
            removed = list.RemoveAll(s => s.EndsAt < endedBefore);
            return removed > 0;
        }, cancellationToken).ConfigureAwait(false);
        return removed;
    }

    /// <summary>Read, change (false: nothing to write), write if unchanged meanwhile; long-expired silences go with any write.</summary>
    private async Task ChangeAsync(DateTimeOffset? now, Func<List<Silence>, bool> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (document, version) = await ReadAsync(cancellationToken).ConfigureAwait(false);
            var list = document is null ? [] : SilenceJson.ReadList(document).ToList();
            var changed = change(list);
            if (now is { } n)
            {
                changed |= list.RemoveAll(s => s.EndsAt < n - PurgeAfter) > 0;
            }

            if (!changed)
            {
                return;
            }

            if (await TryWriteAsync(SilenceJson.WriteList(Ordered(list)), version, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"The silences were changed by someone else {MaxAttempts} times in a row; try again.");
            }
        }
    }

    private static List<Silence> Ordered(IEnumerable<Silence> silences) =>
        [.. silences.OrderBy(s => s.StartsAt).ThenBy(s => s.Id, StringComparer.Ordinal)];
}

/// <summary>Silences in memory, for runs without storage and for tests; the same checks as the stored ones.</summary>
public sealed class MemorySilenceStore : SilenceDocumentStore
{
    private readonly Lock _lock = new();
    private byte[]? _document;
    private long _version;

    protected override Task<(byte[]? Document, string? Version)> ReadAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<(byte[]?, string?)>((_document, _document is null ? null : _version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    protected override Task<bool> TryWriteAsync(byte[] document, string? version, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var current = _document is null ? null : _version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (current != version)
            {
                return Task.FromResult(false);
            }

            _document = document;
            _version++;
            return Task.FromResult(true);
        }
    }
}
