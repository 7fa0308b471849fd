namespace Pipeline.Core.Alerts;

/// <summary>Every alert transition kept, queryable by status and time (the Api's <c>GET /api/alerts</c>).</summary>
public interface IAlertHistory
{
    /// <summary>Records transitions; recording one whose id is already stored changes nothing.</summary>
    Task RecordAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default);

    /// <summary>Transitions matching the query, newest first.</summary>
    Task<IReadOnlyList<AlertEvent>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// The <c>Fired</c> transition of an episode as recorded (with its <c>data.suppressedBy</c>), found by the
    /// episode's id and start (<c>data.startsAt</c>, the time of its <c>Fired</c>); null when it was never recorded or
    /// retention removed it. The notification gate asks this for an episode it has not seen begin, after a restart.
    /// </summary>
    Task<AlertEvent?> FindFiredAsync(string episodeId, DateTimeOffset startsAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Retention: removes transitions whose time is before <paramref name="transitionsOlderThan"/> and the records of
    /// episodes that closed before <paramref name="closedEpisodesOlderThan"/>. Episodes still firing are kept whatever
    /// their age. Returns how many transitions and closed-episode records were removed.
    /// </summary>
    Task<int> PurgeAsync(DateTimeOffset transitionsOlderThan, DateTimeOffset closedEpisodesOlderThan, CancellationToken cancellationToken = default);
}

/// <summary>
/// <paramref name="FiringOnly"/>: only the latest transition of each episode that is still firing
/// (its latest transition is not <c>Resolved</c>). <paramref name="Since"/>: transitions whose time is at or after it.
/// </summary>
public sealed record AlertQuery(bool FiringOnly, DateTimeOffset? Since, int Max = 1000);
