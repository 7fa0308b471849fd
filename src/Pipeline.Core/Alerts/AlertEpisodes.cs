namespace Pipeline.Core.Alerts;

/// <summary>Episode rules shared by every <see cref="IAlertHistory"/>, so memory and table stores agree on what is still firing.</summary>
public static class AlertEpisodes
{
    /// <summary>
    /// True when <paramref name="transition"/>, as the latest of its episode, means the episode is no longer firing:
    /// a <c>Resolved</c> transition, or one (e.g. <c>Amended</c> after resolution) that carries a resolved/inactive status.
    /// </summary>
    public static bool Closes(AlertEvent transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        return transition.Kind == AlertTransitionKind.Resolved
            || transition.Data.Status is AlertStatus.Resolved or AlertStatus.Inactive;
    }

    /// <summary>Newest first by time, then by id (ordinal) so equal times have one order everywhere.</summary>
    public static IComparer<AlertEvent> NewestFirst { get; } = Comparer<AlertEvent>.Create(static (x, y) =>
    {
        var byTime = y.Time.UtcTicks.CompareTo(x.Time.UtcTicks);
        return byTime != 0 ? byTime : string.CompareOrdinal(x.Id, y.Id);
    });
}
