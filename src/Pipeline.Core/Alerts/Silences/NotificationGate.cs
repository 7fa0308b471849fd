using Pipeline.Core.Rules;

namespace Pipeline.Core.Alerts.Silences;

/// <summary>Whether a transition is notified, and if not, why (<c>silence s1</c>, <c>inhibited by overheat on chiller-01</c>).</summary>
public sealed record NotificationDecision(AlertEvent Alert, string? SuppressedBy)
{
    public bool Notify => SuppressedBy is null;
}

/// <summary>
/// Decides which transitions reach the sinks. An episode's fate is set by its first transition: an episode whose
/// <c>Fired</c> was suppressed stays suppressed to its end, so no one gets a <c>Resolved</c> for an alert they never
/// saw, and nothing is sent as new when the silence ends. An episode that was notified has its later changes
/// suppressed while a silence or inhibition holds, but its <c>Resolved</c> is always sent, so no one is left with an
/// alert that looks stuck. Silences are judged at the transition's event time, so a replay decides the same way;
/// a redelivered transition (same id) gets the decision it got the first time while the gate remembers it.
/// </summary>
/// <remarks>
/// Memory is bounded: an open episode's decisions are kept until it resolves, then move to a queue of the last
/// <see cref="NotificationGateOptions.ClosedDecisionsKept"/> closed decisions (for redelivery and for the history
/// that asks after the sinks); beyond <see cref="NotificationGateOptions.MaxOpenDecisions"/> the least recently used
/// open episode is forgotten. A forgotten transition is decided again as one of an episode the gate has not seen.
/// </remarks>
public sealed class NotificationGate
{
    private const string BeganSuppressed = "episode began suppressed: ";

    private readonly Lock _lock = new();
    private readonly NotificationGateOptions _options;
    private readonly Dictionary<(string Rule, string Device), (Severity Severity, IReadOnlyDictionary<string, string> Labels)> _firing = [];
    private readonly Dictionary<string, OpenEpisode> _open = new(StringComparer.Ordinal);

    // Open episodes, least recently used first: the one the cap forgets is at the front.
    private readonly LinkedList<OpenEpisode> _recency = new();
    private readonly Dictionary<string, string?> _decided = new(StringComparer.Ordinal);
    private readonly Queue<string> _closed = new();

    // Sources this gate saw resolve, so a seed read from a history that lags the sinks cannot revive them; bounded
    // like the closed decisions.
    private readonly HashSet<(string Rule, string Device)> _resolvedSources = [];
    private readonly Queue<(string Rule, string Device)> _resolvedOrder = new();
    private IReadOnlyList<InhibitionRule>? _seededFor;
    private IReadOnlyList<Silence> _silences;
    private IReadOnlyList<InhibitionRule> _inhibitions;
    private int _openDecisions;
    private long _evicted;

    public NotificationGate(IReadOnlyList<Silence> silences, IReadOnlyList<InhibitionRule> inhibitions)
        : this(silences, inhibitions, new NotificationGateOptions())
    {
    }

    public NotificationGate(IReadOnlyList<Silence> silences, IReadOnlyList<InhibitionRule> inhibitions, NotificationGateOptions options)
    {
        _silences = silences ?? throw new ArgumentNullException(nameof(silences));
        _inhibitions = inhibitions ?? throw new ArgumentNullException(nameof(inhibitions));
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid notification gate options: " + string.Join(" ", errors), nameof(options));
        }

        _options = options;
    }

    /// <summary>The inhibitions of the rule set in force.</summary>
    public IReadOnlyList<InhibitionRule> Inhibitions
    {
        get
        {
            lock (_lock)
            {
                return _inhibitions;
            }
        }
    }

    /// <summary>How many transition decisions the gate holds, the measure of its memory.</summary>
    public int Remembered
    {
        get
        {
            lock (_lock)
            {
                return _decided.Count;
            }
        }
    }

    /// <summary>Episodes begun and not yet resolved that the gate remembers.</summary>
    public int OpenEpisodes
    {
        get
        {
            lock (_lock)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>Open episodes forgotten because <see cref="NotificationGateOptions.MaxOpenDecisions"/> was reached.</summary>
    public long Evicted
    {
        get
        {
            lock (_lock)
            {
                return _evicted;
            }
        }
    }

    /// <summary>Replaces the silences (after one is added, changed or removed).</summary>
    public void SetSilences(IReadOnlyList<Silence> silences)
    {
        ArgumentNullException.ThrowIfNull(silences);
        lock (_lock)
        {
            _silences = silences;
        }
    }

    /// <summary>
    /// Replaces the inhibitions when a new rule set takes over (<see cref="RuleSet.Inhibitions"/>, validated
    /// with it). They apply to transitions decided from now on; an episode that began inhibited stays suppressed.
    /// </summary>
    public void SetInhibitions(IReadOnlyList<InhibitionRule> inhibitions)
    {
        ArgumentNullException.ThrowIfNull(inhibitions);
        lock (_lock)
        {
            _inhibitions = inhibitions;
        }
    }

    /// <summary>Decisions in order; inhibition sources take effect for transitions after them.</summary>
    public IReadOnlyList<NotificationDecision> Decide(IReadOnlyList<AlertEvent> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        lock (_lock)
        {
            var decisions = new List<NotificationDecision>(alerts.Count);
            foreach (var alert in alerts)
            {
                if (!_decided.TryGetValue(alert.Id, out var reason))
                {
                    reason = DecideNew(alert);
                    Remember(alert, reason);
                }
                else if (alert.Kind == AlertTransitionKind.Resolved)
                {
                    // A redelivered batch may have reopened the episode through a forgotten earlier transition.
                    Close(alert.Data.EpisodeId);
                }

                Track(alert);
                decisions.Add(new NotificationDecision(alert, reason));
            }

            return decisions;
        }
    }

    /// <summary>
    /// Recovers the fate of episodes this gate has not seen begin (a restart, another instance, a forgotten episode):
    /// for the first later transition of each, the history's record of its <c>Fired</c> says whether it was notified
    /// or suppressed and why. Episodes the gate knows cost nothing; an episode whose <c>Fired</c> the history does not
    /// have is decided as before (stored silences at its start, then the current silences and inhibitions).
    /// </summary>
    public async Task RecallAsync(IReadOnlyList<AlertEvent> alerts, IAlertHistory history, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(history);
        List<AlertEvent> unknown;
        lock (_lock)
        {
            unknown = [];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var alert in alerts)
            {
                var episode = alert.Data.EpisodeId;
                if (seen.Add(episode) && alert.Kind != AlertTransitionKind.Fired && !_open.ContainsKey(episode) && !_decided.ContainsKey(alert.Id))
                {
                    unknown.Add(alert);
                }
            }
        }

        foreach (var alert in unknown)
        {
            var fired = await history.FindFiredAsync(alert.Data.EpisodeId, alert.Data.StartsAt, cancellationToken).ConfigureAwait(false);
            if (fired is not null)
            {
                Recall(alert.Data.EpisodeId, fired.Data.SuppressedBy);
            }
        }
    }

    /// <summary>
    /// Takes an episode's fate from the recorded decision of its <c>Fired</c> (null: it was notified), unless the
    /// gate already knows the episode.
    /// </summary>
    public void Recall(string episodeId, string? firedSuppressedBy)
    {
        ArgumentNullException.ThrowIfNull(episodeId);
        lock (_lock)
        {
            if (!_open.ContainsKey(episodeId))
            {
                Open(episodeId, firedSuppressedBy is null || firedSuppressedBy.StartsWith(BeganSuppressed, StringComparison.Ordinal)
                    ? firedSuppressedBy
                    : BeganSuppressed + firedSuppressedBy);
            }
        }
    }

    /// <summary>
    /// Seeds the inhibition sources that were firing before this gate started (a restart, an instance taking a
    /// partition over) from the history's still-firing episodes: once before the first decision, and again when
    /// <see cref="SetInhibitions"/> brings other inhibitions. At most <see cref="NotificationGateOptions.MaxSeededFiring"/>
    /// firing episodes are read, newest first; a source among older ones inhibits again from its next transition.
    /// What the gate has seen itself (a source firing or resolved since it started) wins over the history.
    /// </summary>
    public async Task SeedFiringAsync(IAlertHistory history, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(history);
        IReadOnlyList<InhibitionRule> inhibitions;
        lock (_lock)
        {
            if (ReferenceEquals(_seededFor, _inhibitions))
            {
                return;
            }

            inhibitions = _inhibitions;
        }

        var sources = inhibitions.Select(i => i.SourceRule).ToHashSet(StringComparer.Ordinal);
        var firing = sources.Count == 0
            ? []
            : await history.QueryAsync(new AlertQuery(FiringOnly: true, Since: null, Max: _options.MaxSeededFiring), cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            foreach (var alert in firing)
            {
                var key = (alert.Data.RuleId, alert.Data.Key);
                if (sources.Contains(alert.Data.RuleId) && !AlertEpisodes.Closes(alert) && !_resolvedSources.Contains(key))
                {
                    // Newest first, and the gate's own view is newer still: the first one seen for a key stands.
                    _firing.TryAdd(key, (alert.Data.Severity, alert.Data.Labels));
                }
            }

            if (ReferenceEquals(_inhibitions, inhibitions))
            {
                _seededFor = inhibitions;
            }
        }
    }

    /// <summary>The decision already taken for a transition id (false when it never passed the gate or was forgotten).</summary>
    public bool TryGetDecision(string alertId, out string? suppressedBy)
    {
        lock (_lock)
        {
            return _decided.TryGetValue(alertId, out suppressedBy);
        }
    }

    private string? DecideNew(AlertEvent alert)
    {
        var data = alert.Data;
        if (!_open.ContainsKey(data.EpisodeId) && alert.Kind != AlertTransitionKind.Fired
            && _silences.FirstOrDefault(s => s.IsActiveAt(data.StartsAt) && s.Matches(data)) is { } atStart)
        {
            // An episode this gate has not seen begin (a restart, another instance, a forgotten one): a silence that
            // covered its start hid its Fired, so it stays hidden; stored silences outlive their end by the purge
            // delay for this.
            Open(data.EpisodeId, BeganSuppressed + "silence " + atStart.Id);
        }

        if (_open.TryGetValue(data.EpisodeId, out var episode))
        {
            if (episode.Reason is not null)
            {
                return episode.Reason;
            }

            if (alert.Kind == AlertTransitionKind.Resolved)
            {
                return null;
            }

            return CurrentReason(alert);
        }

        var reason = CurrentReason(alert);
        Open(data.EpisodeId, reason is null ? null : BeganSuppressed + reason);
        return reason;
    }

    private void Open(string episodeId, string? reason)
    {
        var episode = new OpenEpisode(episodeId, reason);
        episode.Node = _recency.AddLast(episode);
        _open[episodeId] = episode;
    }

    private void Remember(AlertEvent alert, string? reason)
    {
        _decided[alert.Id] = reason;
        if (alert.Kind == AlertTransitionKind.Resolved)
        {
            // The episode is over: its decisions are needed only for a redelivery, so they join the bounded queue.
            Close(alert.Data.EpisodeId);
            KeepClosed(alert.Id);
            return;
        }

        var episode = _open[alert.Data.EpisodeId];
        episode.Ids.Enqueue(alert.Id);
        _openDecisions++;
        _recency.Remove(episode.Node!);
        _recency.AddLast(episode.Node!);
        while (_openDecisions > _options.MaxOpenDecisions)
        {
            var oldest = _recency.First!.Value;
            if (ReferenceEquals(oldest, episode))
            {
                // This episode alone holds the cap: its oldest transitions are forgotten, its fate is kept.
                _decided.Remove(episode.Ids.Dequeue());
                _openDecisions--;
                continue;
            }

            Forget(oldest);
            _evicted++;
        }
    }

    private void Close(string episodeId)
    {
        if (!_open.Remove(episodeId, out var episode))
        {
            return;
        }

        _recency.Remove(episode.Node!);
        _openDecisions -= episode.Ids.Count;
        foreach (var id in episode.Ids)
        {
            KeepClosed(id);
        }
    }

    private void KeepClosed(string alertId)
    {
        _closed.Enqueue(alertId);
        while (_closed.Count > _options.ClosedDecisionsKept)
        {
            _decided.Remove(_closed.Dequeue());
        }
    }

    private void Forget(OpenEpisode episode)
    {
        _open.Remove(episode.EpisodeId);
        _recency.Remove(episode.Node!);
        _openDecisions -= episode.Ids.Count;
        foreach (var id in episode.Ids)
        {
            _decided.Remove(id);
        }
    }

    private string? CurrentReason(AlertEvent alert)
    {
        var data = alert.Data;
        if (_silences.FirstOrDefault(s => s.IsActiveAt(alert.Time) && s.Matches(data)) is { } silence)
        {
            return "silence " + silence.Id;
        }

        foreach (var inhibition in _inhibitions)
        {
            if (!inhibition.TargetRules.Contains(data.RuleId))
            {
                continue;
            }

            foreach (var ((rule, device), (severity, labels)) in _firing)
            {
                if (rule != inhibition.SourceRule || severity < inhibition.MinSeverity)
                {
                    continue;
                }

                var same = inhibition.EqualLabel is { } label
                    ? labels.TryGetValue(label, out var a) && data.Labels.TryGetValue(label, out var b) && a == b
                    : device == data.Key;
                if (same)
                {
                    return $"inhibited by {rule} on {device}";
                }
            }
        }

        return null;
    }

    private void Track(AlertEvent alert)
    {
        var key = (alert.Data.RuleId, alert.Data.Key);
        if (alert.Kind == AlertTransitionKind.Resolved)
        {
            _firing.Remove(key);
            if (_resolvedSources.Add(key))
            {
                _resolvedOrder.Enqueue(key);
                if (_resolvedOrder.Count > _options.ClosedDecisionsKept)
                {
                    _resolvedSources.Remove(_resolvedOrder.Dequeue());
                }
            }
        }
        else
        {
            _firing[key] = (alert.Data.Severity, alert.Data.Labels);
        }
    }

    private sealed class OpenEpisode(string episodeId, string? reason)
    {
        public string EpisodeId { get; } = episodeId;

        /// <summary>Set when the episode began suppressed: every later transition is suppressed with it.</summary>
        public string? Reason { get; } = reason;

        public Queue<string> Ids { get; } = new();

        public LinkedListNode<OpenEpisode>? Node { get; set; }
    }
}
