namespace Pipeline.Core.Alerts.Silences;

/// <summary>Bounds on what the <see cref="NotificationGate"/> remembers (configuration <c>Pipeline:NotificationGate</c>).</summary>
public sealed record NotificationGateOptions
{
    /// <summary>Decisions of open episodes kept at most; beyond it the least recently used episode is forgotten.</summary>
    public int MaxOpenDecisions { get; init; } = 100_000;

    /// <summary>Decisions of resolved episodes kept, newest first, so a redelivered batch is decided as the first time.</summary>
    public int ClosedDecisionsKept { get; init; } = 10_000;

    /// <summary>
    /// Still-firing episodes read from the alert history, newest first, to seed the inhibition sources after a start
    /// or a change of inhibitions; a source among older ones inhibits again from its next transition.
    /// </summary>
    public int MaxSeededFiring { get; init; } = 10_000;

    /// <summary>One line per value out of range, each naming the setting.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxOpenDecisions < 1)
        {
            errors.Add($"{nameof(MaxOpenDecisions)} must be at least 1, got {MaxOpenDecisions}.");
        }

        if (ClosedDecisionsKept < 1)
        {
            errors.Add($"{nameof(ClosedDecisionsKept)} must be at least 1, got {ClosedDecisionsKept}.");
        }

        if (MaxSeededFiring < 1)
        {
            errors.Add($"{nameof(MaxSeededFiring)} must be at least 1, got {MaxSeededFiring}.");
        }

        return errors;
    }
}
