namespace Pipeline.Core.Alerts.Silences;

/// <summary>
/// The parts of a new silence as a person gives them (the CLI's flags, the Api's JSON body), before defaults.
/// <see cref="Build"/> is the one way both make a <see cref="Silence"/> of them; the values themselves are checked by
/// <see cref="Silence.Validate"/> when a store adds it.
/// </summary>
public sealed record SilenceParts
{
    public string? Id { get; init; }
    public string? RuleId { get; init; }
    public string? Device { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The start; when null, the <c>now</c> given to <see cref="Build"/>.</summary>
    public DateTimeOffset? StartsAt { get; init; }

    /// <summary>The end; or give <see cref="For"/> instead.</summary>
    public DateTimeOffset? EndsAt { get; init; }

    /// <summary>How long from the start, instead of <see cref="EndsAt"/>.</summary>
    public TimeSpan? For { get; init; }

    public string? Author { get; init; }
    public string? Comment { get; init; }

    /// <summary>
    /// The id of a new silence when none is given: <c>s-</c> and 12 hex digits of <paramref name="unique"/>. The caller
    /// makes the <see cref="Guid"/>, as it passes the time: nothing here is random.
    /// </summary>
    public static string NewId(Guid unique) => "s-" + unique.ToString("N")[..12];

    /// <summary>
    /// Label matchers from <c>NAME=VALUE</c> texts (the value may hold '='; a later name replaces an earlier one), and
    /// the first text that is not <c>NAME=VALUE</c> (no name before an '='), or null when all are.
    /// </summary>
    public static (IReadOnlyDictionary<string, string> Labels, string? NotNameValue) ParseLabels(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            var eq = text.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return (labels, text);
            }

            labels[text[..eq]] = text[(eq + 1)..];
        }

        return (labels, null);
    }

    /// <summary>
    /// The silence, or every missing part, each naming its field. A missing id is <paramref name="newId"/> (when null,
    /// the id is required), a missing start is <paramref name="now"/> (when null, the start is required); the end is
    /// <see cref="EndsAt"/> or the start plus <see cref="For"/>, never both.
    /// </summary>
    public (Silence? Silence, IReadOnlyList<SilenceFieldError> Errors) Build(string? newId, DateTimeOffset? now)
    {
        var errors = new List<SilenceFieldError>();
        var id = Id ?? newId;
        if (id is null)
        {
            errors.Add(new("id", "is required"));
        }

        var start = StartsAt ?? now;
        if (start is null)
        {
            errors.Add(new("startsAt", "is required (an ISO 8601 time with offset)"));
        }

        if (EndsAt is not null && For is not null)
        {
            errors.Add(new("for", "give endsAt or for (a duration from the start), not both"));
        }
        else if (EndsAt is null && For is null)
        {
            errors.Add(new("endsAt", "is required (an ISO 8601 time with offset)"));
        }

        if (Author is null)
        {
            errors.Add(new("author", "is required"));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (new Silence
        {
            Id = id!, RuleId = RuleId, Device = Device, Labels = Labels, StartsAt = start!.Value, EndsAt = EndsAt ?? start.Value + For!.Value,
            Author = Author!, Comment = Comment ?? string.Empty,
        }, []);
    }
}

/// <summary>A problem with one field of a silence: <c>field: message</c>, the field named as in the silence's JSON.</summary>
public sealed record SilenceFieldError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
