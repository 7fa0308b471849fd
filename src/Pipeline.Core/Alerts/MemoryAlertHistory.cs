namespace Pipeline.Core.Alerts;

/// <summary>
/// Thread-safe in-memory <see cref="IAlertHistory"/>. Keeps every transition (by id) and, per episode, the transition with
/// the highest sequence, so transitions recorded out of order still leave the right episode state. With a bound
/// (<c>maxTransitions</c>) the oldest transitions leave first, and with them the records of episodes they closed; a
/// firing episode's latest transition stays in the firing list until the episode closes.
/// </summary>
/// <param name="maxTransitions">Transitions kept at most; null keeps them until <see cref="PurgeAsync"/> removes them.</param>
public sealed class MemoryAlertHistory(int? maxTransitions = null) : IAlertHistory
{
    private readonly int? _max = maxTransitions is { } max
        ? max >= 1 ? max : throw new ArgumentOutOfRangeException(nameof(maxTransitions), max, "at least 1 transition")
        : null;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, AlertEvent> _byId = new(StringComparer.Ordinal);
    private readonly SortedSet<AlertEvent> _all = new(AlertEpisodes.NewestFirst);
    private readonly Dictionary<string, AlertEvent> _latestByEpisode = new(StringComparer.Ordinal);
    private readonly SortedSet<AlertEvent> _firing = new(AlertEpisodes.NewestFirst);
    private readonly Dictionary<string, AlertEvent> _firedByEpisode = new(StringComparer.Ordinal);

    /// <summary>Number of transitions stored.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byId.Count;
            }
        }
    }

    public Task RecordAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            foreach (var alert in alerts)
            {
                ArgumentNullException.ThrowIfNull(alert);
                if (!_byId.TryAdd(alert.Id, alert))
                {
                    continue;
                }

                _all.Add(alert);
                var episode = alert.Data.EpisodeId;
                if (alert.Kind == AlertTransitionKind.Fired)
                {
                    _firedByEpisode.TryAdd(episode, alert);
                }

                if (_latestByEpisode.TryGetValue(episode, out var latest))
                {
                    if (latest.Data.Sequence >= alert.Data.Sequence)
                    {
                        continue;
                    }

                    _firing.Remove(latest);
                }

                _latestByEpisode[episode] = alert;
                if (!AlertEpisodes.Closes(alert))
                {
                    _firing.Add(alert);
                }
            }

            DropOldestOverBound();
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AlertEvent>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Max);
        cancellationToken.ThrowIfCancellationRequested();
        var result = new List<AlertEvent>();
        lock (_lock)
        {
            foreach (var alert in query.FiringOnly ? _firing : _all)
            {
                // Newest first: once one is older than Since, all the rest are too.
                if (result.Count >= query.Max || (query.Since is { } since && alert.Time < since))
                {
                    break;
                }

                result.Add(alert);
            }
        }

        return Task.FromResult<IReadOnlyList<AlertEvent>>(result);
    }

    public Task<AlertEvent?> FindFiredAsync(string episodeId, DateTimeOffset startsAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(episodeId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return Task.FromResult(_firedByEpisode.TryGetValue(episodeId, out var fired) && fired.Time == startsAt ? fired : null);
        }
    }

    public Task<int> PurgeAsync(DateTimeOffset transitionsOlderThan, DateTimeOffset closedEpisodesOlderThan, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            // Newest first, so the old transitions are the tail of the set.
            var old = _all.Reverse().TakeWhile(a => a.Time < transitionsOlderThan).ToList();
            foreach (var alert in old)
            {
                _all.Remove(alert);
                _byId.Remove(alert.Id);
                ForgetFired(alert);
            }

            // A firing episode's latest transition stays in _firing (and here) however old it is.
            var closed = _latestByEpisode
                .Where(e => AlertEpisodes.Closes(e.Value) && e.Value.Time < closedEpisodesOlderThan)
                .Select(e => e.Key)
                .ToList();
            foreach (var episode in closed)
            {
                _latestByEpisode.Remove(episode);
            }

            return Task.FromResult(old.Count + closed.Count);
        }
    }

    private void DropOldestOverBound()
    {
        while (_max is { } max && _byId.Count > max)
        {
            // Newest first, so the oldest transition is the set's last.
            var oldest = _all.Max!;
            _all.Remove(oldest);
            _byId.Remove(oldest.Id);
            ForgetFired(oldest);
            var episode = oldest.Data.EpisodeId;
            if (AlertEpisodes.Closes(oldest) && _latestByEpisode.TryGetValue(episode, out var latest) && ReferenceEquals(latest, oldest))
            {
                _latestByEpisode.Remove(episode);
            }
        }
    }

    private void ForgetFired(AlertEvent alert)
    {
        if (alert.Kind == AlertTransitionKind.Fired && _firedByEpisode.TryGetValue(alert.Data.EpisodeId, out var fired) && ReferenceEquals(fired, alert))
        {
            _firedByEpisode.Remove(alert.Data.EpisodeId);
        }
    }
}
