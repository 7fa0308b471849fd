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
/// a redelivered transition (same id) gets the decision it got the first time.
/// </summary>
public sealed class NotificationGate
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Rule, string Device), (Severity Severity, IReadOnlyDictionary<string, string> Labels)> _firing = [];
    private readonly Dictionary<string, string?> _episodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _decided = new(StringComparer.Ordinal);
    private IReadOnlyList<Silence> _silences;

    public NotificationGate(IReadOnlyList<Silence> silences, IReadOnlyList<InhibitionRule> inhibitions)
    {
        _silences = silences ?? throw new ArgumentNullException(nameof(silences));
        Inhibitions = inhibitions ?? throw new ArgumentNullException(nameof(inhibitions));
    }

    public IReadOnlyList<InhibitionRule> Inhibitions { get; }

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

    /// <summary>Replaces the silences (after one is added, changed or removed).</summary>
    public void SetSilences(IReadOnlyList<Silence> silences)
    {
        ArgumentNullException.ThrowIfNull(silences);
        lock (_lock)
        {
            _silences = silences;
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
                    _decided[alert.Id] = reason;
                }

                Track(alert);
                decisions.Add(new NotificationDecision(alert, reason));
            }

            return decisions;
        }
    }

    /// <summary>The decision already taken for a transition id (false when it never passed the gate).</summary>
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
        if (!_episodes.ContainsKey(data.EpisodeId) && alert.Kind != AlertTransitionKind.Fired
            && _silences.FirstOrDefault(s => s.IsActiveAt(data.StartsAt) && s.Matches(data)) is { } atStart)
        {
            // An episode this gate has not seen begin (a restart, another instance): a silence that covered its start
            // hid its Fired, so it stays hidden; stored silences outlive their end by the purge delay for this.
            _episodes[data.EpisodeId] = "episode began suppressed: silence " + atStart.Id;
        }

        if (_episodes.TryGetValue(data.EpisodeId, out var episodeReason))
        {
            if (episodeReason is not null)
            {
                return episodeReason;
            }

            if (alert.Kind == AlertTransitionKind.Resolved)
            {
                return null;
            }

            return CurrentReason(alert);
        }

        var reason = CurrentReason(alert);
        _episodes[data.EpisodeId] = reason is null ? null : "episode began suppressed: " + reason;
        return reason;
    }

    private string? CurrentReason(AlertEvent alert)
    {
        var data = alert.Data;
        if (_silences.FirstOrDefault(s => s.IsActiveAt(alert.Time) && s.Matches(data)) is { } silence)
        {
            return "silence " + silence.Id;
        }

        foreach (var inhibition in Inhibitions)
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
        }
        else
        {
            _firing[key] = (alert.Data.Severity, alert.Data.Labels);
        }
    }
}
