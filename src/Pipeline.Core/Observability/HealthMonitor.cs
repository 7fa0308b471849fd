using System.Globalization;
using Pipeline.Core.Alerts;

namespace Pipeline.Core.Observability;

/// <summary>What a health rule watches, over one evaluation window.</summary>
public enum HealthSignal
{
    /// <summary>Events dead-lettered (malformed, late under the DeadLetter policy, quarantined) per event received.</summary>
    DeadLetterRatio,

    /// <summary>The largest enqueued-to-processed lag, in seconds.</summary>
    EnqueuedLag,

    /// <summary>Alerts waiting in outboxes for delivery at the end of the window.</summary>
    OutboxWaiting,

    /// <summary>State store calls that failed in the window.</summary>
    StoreFailures,
}

/// <summary>A rule over the pipeline's own metrics: firing while the signal's value is above <see cref="Threshold"/>.</summary>
public sealed record HealthRule(string Id, HealthSignal Signal, double Threshold);

/// <summary>Settings of the <see cref="HealthMonitor"/>.</summary>
public sealed record HealthOptions
{
    /// <summary>
    /// The defaults stay quiet on a healthy pipeline, the demo included: its simulated faults dead-letter a few events
    /// of one device, never half of a window's traffic.
    /// </summary>
    public static IReadOnlyList<HealthRule> DefaultRules { get; } =
    [
        new("dead-letter-ratio", HealthSignal.DeadLetterRatio, 0.5),
        new("enqueued-lag", HealthSignal.EnqueuedLag, 300),
        new("outbox-waiting", HealthSignal.OutboxWaiting, 1000),
        new("state-store-failures", HealthSignal.StoreFailures, 0),
    ];

    public IReadOnlyList<HealthRule> Rules { get; init; } = DefaultRules;

    /// <summary>How much processing time one evaluation covers; rates and the largest lag are taken over it.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Below this many events in a window the dead-letter ratio says nothing and the rule keeps its state.</summary>
    public long MinEventsForRatio { get; init; } = 100;

    /// <summary>Used in the CloudEvent source <c>/pipeline/{environment}/health/{ruleId}</c>.</summary>
    public string Environment { get; init; } = "local";
}

/// <summary>Where one health rule stands after the latest evaluation (the dashboard's health panel).</summary>
public sealed record HealthStatus(string RuleId, HealthSignal Signal, double Threshold, double? Value, bool Firing, DateTimeOffset? Since);

/// <summary>
/// Evaluates the health rules over a <see cref="PipelineTelemetry"/> once per window of processing time and publishes
/// each change as a CloudEvent of type <c>Pipeline.Health.Fired</c> or <c>Pipeline.Health.Resolved</c> through the
/// alert sink. A transition the sink refuses is kept and sent again at the next call. Not thread-safe: one caller
/// (the Sweep) drives it.
/// </summary>
public sealed class HealthMonitor
{
    public const string FiredType = "Pipeline.Health.Fired";
    public const string ResolvedType = "Pipeline.Health.Resolved";

    private readonly PipelineTelemetry _telemetry;
    private readonly IAlertSink _sink;
    private readonly HealthOptions _options;
    private readonly Dictionary<string, DateTimeOffset> _firing = new(StringComparer.Ordinal);
    private readonly List<AlertEvent> _unsent = [];
    private TelemetrySnapshot _last;
    private DateTimeOffset? _windowStart;
    private IReadOnlyList<HealthStatus> _status;

    public HealthMonitor(PipelineTelemetry telemetry, IAlertSink sink, HealthOptions? options = null)
    {
        _telemetry = telemetry ?? throw new ArgumentNullException(nameof(telemetry));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _options = options ?? new HealthOptions();
        if (_options.Window <= TimeSpan.Zero)
        {
            throw new ArgumentException("HealthOptions.Window must be longer than zero.", nameof(options));
        }

        _status = [.. _options.Rules.Select(r => new HealthStatus(r.Id, r.Signal, r.Threshold, null, false, null))];
    }

    /// <summary>The rules after the latest evaluation (a snapshot; safe to read from any thread).</summary>
    public IReadOnlyList<HealthStatus> Status => Volatile.Read(ref _status);

    /// <summary>
    /// Closes the window if <paramref name="now"/> has reached its end, evaluates the rules over it and publishes what
    /// changed; returns the health CloudEvents delivered by this call.
    /// </summary>
    public async Task<IReadOnlyList<AlertEvent>> EvaluateAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (_windowStart is not { } start)
        {
            _windowStart = now;
            _last = _telemetry.Snapshot();
            _telemetry.TakeMaxLag();
            return [];
        }

        if (now - start >= _options.Window)
        {
            Evaluate(now);
        }

        if (_unsent.Count == 0)
        {
            return [];
        }

        var sending = _unsent.ToList();
        try
        {
            await _sink.PublishAsync(sending, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return []; // kept in _unsent for the next call
        }

        _unsent.RemoveRange(0, sending.Count);
        return sending;
    }

    private void Evaluate(DateTimeOffset now)
    {
        var snapshot = _telemetry.Snapshot();
        var maxLag = _telemetry.TakeMaxLag();
        var received = snapshot.Received - _last.Received;
        var status = new List<HealthStatus>(_options.Rules.Count);
        foreach (var rule in _options.Rules)
        {
            double? value = rule.Signal switch
            {
                HealthSignal.DeadLetterRatio => received >= _options.MinEventsForRatio
                    ? (double)(snapshot.DeadLettered - _last.DeadLettered) / received
                    : null,
                HealthSignal.EnqueuedLag => maxLag.TotalSeconds,
                HealthSignal.OutboxWaiting => snapshot.OutboxWaiting,
                _ => snapshot.StoreFailures - _last.StoreFailures,
            };
            var firing = _firing.TryGetValue(rule.Id, out var since);
            if (value is { } v && v > rule.Threshold && !firing)
            {
                since = now;
                _firing[rule.Id] = since;
                _unsent.Add(Transition(rule, AlertTransitionKind.Fired, v, since, now));
                firing = true;
            }
            else if (value is { } w && w <= rule.Threshold && firing)
            {
                _firing.Remove(rule.Id);
                _unsent.Add(Transition(rule, AlertTransitionKind.Resolved, w, since, now));
                firing = false;
            }

            status.Add(new HealthStatus(rule.Id, rule.Signal, rule.Threshold, value, firing, firing ? since : null));
        }

        _last = snapshot;
        _windowStart = now;
        Volatile.Write(ref _status, status);
    }

    private AlertEvent Transition(HealthRule rule, AlertTransitionKind kind, double value, DateTimeOffset since, DateTimeOffset now)
    {
        var episode = Hashing.StableId("health", _options.Environment, rule.Id, since.UtcTicks.ToString(CultureInfo.InvariantCulture));
        var sequence = kind == AlertTransitionKind.Fired ? 1 : 2;
        return new AlertEvent
        {
            Id = Hashing.StableId(episode, kind.ToString(), sequence.ToString(CultureInfo.InvariantCulture)),
            Source = $"/pipeline/{_options.Environment}/health/{rule.Id}",
            Type = kind == AlertTransitionKind.Fired ? FiredType : ResolvedType,
            Subject = $"pipeline/health/{rule.Id}",
            Time = now,
            Data = new AlertData
            {
                EpisodeId = episode,
                RuleId = rule.Id,
                RuleVersion = "health",
                Key = "pipeline",
                Transition = kind,
                Severity = Severity.Warning,
                Status = kind == AlertTransitionKind.Fired ? AlertStatus.Firing : AlertStatus.Resolved,
                Sequence = sequence,
                Value = value,
                Condition = string.Create(CultureInfo.InvariantCulture, $"{Describe(rule.Signal)} > {rule.Threshold}"),
                Threshold = rule.Threshold,
                ConditionSource = "health",
                Evidence = new AlertEvidence(0, -1, -1, string.Empty),
                Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["signal"] = Describe(rule.Signal) },
                StartsAt = since,
                EndsAt = kind == AlertTransitionKind.Resolved ? now : null,
            },
        };
    }

    /// <summary>The signal's name in conditions and labels.</summary>
    public static string Describe(HealthSignal signal) => signal switch
    {
        HealthSignal.DeadLetterRatio => "dead_letter_ratio",
        HealthSignal.EnqueuedLag => "enqueued_lag_seconds",
        HealthSignal.OutboxWaiting => "outbox_waiting",
        _ => "state_store_failures",
    };
}
