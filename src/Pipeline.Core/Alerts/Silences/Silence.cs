namespace Pipeline.Core.Alerts.Silences;

/// <summary>
/// Suppresses notifications of matching alerts during <c>[StartsAt, EndsAt)</c> while the engine keeps evaluating.
/// A null <see cref="RuleId"/> or <see cref="Device"/> matches any; every label in <see cref="Labels"/> must equal the
/// alert's. Expires by itself: after <see cref="EndsAt"/> it matches nothing.
/// </summary>
public sealed record Silence
{
    public required string Id { get; init; }
    public string? RuleId { get; init; }
    public string? Device { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
    public required DateTimeOffset StartsAt { get; init; }
    public required DateTimeOffset EndsAt { get; init; }
    public required string Author { get; init; }
    public string Comment { get; init; } = string.Empty;

    public bool IsActiveAt(DateTimeOffset time) => StartsAt <= time && time < EndsAt;

    public bool Matches(AlertData alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return (RuleId is null || RuleId == alert.RuleId)
            && (Device is null || Device == alert.Key)
            && Labels.All(l => alert.Labels.TryGetValue(l.Key, out var v) && v == l.Value);
    }

    /// <summary>Every problem, each naming the field: an empty list means valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Id))
        {
            errors.Add("id: must not be empty");
        }

        if (RuleId is null && Device is null && Labels.Count == 0)
        {
            // A silence matching everything would hide every alert: say what to silence.
            errors.Add("matchers: give at least one of rule, device or labels");
        }

        foreach (var (name, value) in Labels)
        {
            if (string.IsNullOrWhiteSpace(name) || string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"labels: a label matcher needs a name and a value, got '{name}'='{value}'");
            }
        }

        if (RuleId is { } rule && string.IsNullOrWhiteSpace(rule))
        {
            errors.Add("rule: must not be empty (leave it out to match every rule)");
        }

        if (Device is { } device && string.IsNullOrWhiteSpace(device))
        {
            errors.Add("device: must not be empty (leave it out to match every device)");
        }

        if (EndsAt <= StartsAt)
        {
            errors.Add($"endsAt: must be after startsAt ({StartsAt:O}), got {EndsAt:O}");
        }

        if (string.IsNullOrWhiteSpace(Author))
        {
            errors.Add("author: must not be empty");
        }

        return errors;
    }
}
