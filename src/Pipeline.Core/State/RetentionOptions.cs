using System.Globalization;
using Pipeline.Core.Alerts;

namespace Pipeline.Core.State;

/// <summary>
/// How long alert history, closed-episode records, dead letters and the metric history of silent devices are kept
/// (configuration section <c>Pipeline:Retention</c>). Applied by the Sweep in Azure and at start by the CLI through <see cref="Retention"/>;
/// docs/limits.md lists the defaults.
/// </summary>
public sealed record RetentionOptions
{
    public const string SectionName = "Pipeline:Retention";

    /// <summary>Alert transitions (the alerts table, the local alerts file).</summary>
    public TimeSpan AlertHistory { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Records of closed episodes. They stop a retried, older transition from reopening a resolved episode, which only
    /// happens within the delivery retries of a batch, so they need not outlive the history.
    /// </summary>
    public TimeSpan ClosedEpisodes { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Dead letters: long enough to notice, inspect and replay them.</summary>
    public TimeSpan DeadLetters { get; init; } = TimeSpan.FromDays(14);

    /// <summary>
    /// A device's metric history (the dashboard's charts and its fleet row) once the device has not been seen for this
    /// long: a retired device leaves the fleet view and the store instead of being listed as silent for good. Long
    /// enough for an outage or a device off for maintenance to stay visible.
    /// </summary>
    public TimeSpan MetricHistory { get; init; } = TimeSpan.FromDays(14);

    /// <summary>Every problem with the settings, each naming its setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Check(nameof(AlertHistory), AlertHistory, errors);
        Check(nameof(ClosedEpisodes), ClosedEpisodes, errors);
        Check(nameof(DeadLetters), DeadLetters, errors);
        Check(nameof(MetricHistory), MetricHistory, errors);
        return errors;
    }

    private static void Check(string name, TimeSpan value, List<string> errors)
    {
        // At least an hour: a shorter retention would remove dead letters and history while they are still being retried.
        if (value < TimeSpan.FromHours(1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"{SectionName}:{name} must be at least 1 hour (a duration like 30.00:00:00 for 30 days), got {value}"));
        }
    }
}

/// <summary>Applies <see cref="RetentionOptions"/> to the stores at a given time (the caller's clock: the core never reads one).</summary>
public static class Retention
{
    /// <summary>
    /// Removes what is older than the retention at <paramref name="now"/>, the processor's time; returns how many records
    /// were removed. Alert transitions and devices' metric history are judged by event time (a transition's time, a
    /// device's newest event), dead letters by when they were recorded.
    /// </summary>
    public static async Task<RetentionResult> ApplyAsync(RetentionOptions options, DateTimeOffset now, IAlertHistory? history,
        IDeadLetterStore? deadLetters, IMetricHistory? metricHistory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var alerts = history is null ? 0
            : await history.PurgeAsync(now - options.AlertHistory, now - options.ClosedEpisodes, cancellationToken).ConfigureAwait(false);
        var letters = deadLetters is null ? 0
            : await deadLetters.PurgeAsync(now - options.DeadLetters, cancellationToken).ConfigureAwait(false);
        var devices = metricHistory is null ? 0
            : await metricHistory.PurgeAsync(now - options.MetricHistory, cancellationToken).ConfigureAwait(false);
        return new RetentionResult(alerts, letters, devices);
    }
}

/// <summary>Records removed by one <see cref="Retention.ApplyAsync"/>.</summary>
public readonly record struct RetentionResult(int AlertRecords, int DeadLetters, int Devices);
