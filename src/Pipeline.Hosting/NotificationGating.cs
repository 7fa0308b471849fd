using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Rules;

namespace Pipeline.Hosting;

/// <summary>
/// The notification gate between the processor and the sinks: silences (read from their store before each delivery,
/// so one added through the CLI or the Api applies at the next alert) and the inhibitions of the rule set in force
/// (<see cref="Activate"/> follows every rule replacement). Suppressed
/// transitions are not delivered but are recorded in the alert history with <c>data.suppressedBy</c>.
/// </summary>
public sealed class NotificationGating(ISilenceStore silences, IReadOnlyList<InhibitionRule> inhibitions, NotificationGateOptions gateOptions)
{
    public NotificationGating(ISilenceStore silences, IReadOnlyList<InhibitionRule> inhibitions)
        : this(silences, inhibitions, new NotificationGateOptions())
    {
    }

    public ISilenceStore Silences { get; } = silences ?? throw new ArgumentNullException(nameof(silences));

    public NotificationGate Gate { get; } = new([], inhibitions, gateOptions);

    /// <summary>Takes the inhibitions of a rule set that has just become the one in force.</summary>
    public void Activate(RuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Gate.SetInhibitions(rules.Inhibitions);
    }

    /// <summary>The sink behind the gate. Several wrapped sinks share one gate and so take the same decisions.</summary>
    public IAlertSink Wrap(IAlertSink inner) => new GatedAlertSink(this, new SuppressingAlertSink(inner, Gate), inner);

    /// <summary>
    /// The history that marks suppressed transitions with their reason. The gate also asks it how an episode it has
    /// not seen begin was decided (after a restart), so its decisions survive the process.
    /// </summary>
    public IAlertHistory Wrap(IAlertHistory inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        History = inner;
        return new MarkingAlertHistory(this, inner);
    }

    /// <summary>The history behind the gate (set by <see cref="Wrap(IAlertHistory)"/>); null: none to ask.</summary>
    public IAlertHistory? History { get; private set; }

    /// <summary>The transitions with <c>SuppressedBy</c> set on those the gate suppressed.</summary>
    public IReadOnlyList<AlertEvent> Mark(IReadOnlyList<AlertEvent> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        return [.. alerts.Select(a => Gate.TryGetDecision(a.Id, out var reason) && reason is not null ? a with { Data = a.Data with { SuppressedBy = reason } } : a)];
    }

    /// <summary>A sink behind the gate; <see cref="Inner"/> is the sink that delivers.</summary>
    public sealed class GatedAlertSink(NotificationGating gating, SuppressingAlertSink gated, IAlertSink inner) : IAlertSink
    {
        public IAlertSink Inner { get; } = inner;

        public async Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
        {
            gating.Gate.SetSilences(await gating.Silences.ListAsync(cancellationToken).ConfigureAwait(false));
            if (gating.History is { } history)
            {
                // Before any decision: which inhibition sources were firing before this process started.
                await gating.Gate.SeedFiringAsync(history, cancellationToken).ConfigureAwait(false);
                await gating.Gate.RecallAsync(alerts, history, cancellationToken).ConfigureAwait(false);
            }

            await gated.PublishAsync(alerts, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A history that records suppressed transitions with their reason; <see cref="Inner"/> keeps them.</summary>
    public sealed class MarkingAlertHistory(NotificationGating gating, IAlertHistory inner) : IAlertHistory
    {
        public IAlertHistory Inner { get; } = inner;

        public Task RecordAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default) =>
            Inner.RecordAsync(gating.Mark(alerts), cancellationToken);

        public Task<IReadOnlyList<AlertEvent>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default) =>
            Inner.QueryAsync(query, cancellationToken);

        public Task<AlertEvent?> FindFiredAsync(string episodeId, DateTimeOffset startsAt, CancellationToken cancellationToken = default) =>
            Inner.FindFiredAsync(episodeId, startsAt, cancellationToken);

        public Task<int> PurgeAsync(DateTimeOffset transitionsOlderThan, DateTimeOffset closedEpisodesOlderThan, CancellationToken cancellationToken = default) =>
            Inner.PurgeAsync(transitionsOlderThan, closedEpisodesOlderThan, cancellationToken);
    }
}
