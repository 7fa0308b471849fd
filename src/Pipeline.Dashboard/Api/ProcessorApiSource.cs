using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Observability;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Dashboard.Live;
using Pipeline.Dashboard.Page;

namespace Pipeline.Dashboard.Api;

/// <summary>
/// What a local server's dashboard and Api read: an in-process run's ingress, the metric history its processors record,
/// the alerts it delivered, and the live feed those alerts are pushed to.
/// </summary>
/// <param name="now">The run's processing time (a demo's simulated clock, or the wall clock).</param>
public sealed class ProcessorApiSource(RuleSet rules, Func<DateTimeOffset> now, TimeProvider time) : IPipelineApiSource
{
    public MemoryMetricHistory History { get; } = new();

    /// <summary>Transitions <see cref="Alerts"/> keeps: the newest ones, so an endless run keeps flat memory.</summary>
    public const int AlertsKept = 100_000;

    /// <summary>The run's recent transitions (the Api's alert list), the newest <see cref="AlertsKept"/>.</summary>
    public MemoryAlertHistory Alerts { get; } = new(maxTransitions: AlertsKept);

    public LiveFeed Feed { get; } = new(time);

    /// <summary>Set once the pipeline is built; the server starts after that.</summary>
    public PartitionedProcessor? Ingress { get; set; }

    public string StateDescription { get; set; } = "memory";

    /// <summary>The run's silences (<c>/api/silences</c>); set with the pipeline.</summary>
    public Pipeline.Core.Alerts.Silences.ISilenceStore? Silences { get; set; }

    public TimeProvider Time => time;

    public Task<Pipeline.Core.Alerts.Silences.ISilenceStore?> GetSilencesAsync(CancellationToken cancellationToken) => Task.FromResult(Silences);

    /// <summary>The health rules the health panel shows; set with the pipeline.</summary>
    public HealthMonitor? Health { get; set; }

    /// <summary>The run's telemetry, whose outbox count the health panel shows (the number /metrics exports).</summary>
    public PipelineTelemetry? Telemetry { get; set; }

    public void OnDelivered(IReadOnlyList<AlertEvent> alerts)
    {
        // The memory history completes synchronously; delivery callbacks must not wait.
        _ = Alerts.RecordAsync(alerts);
        Feed.Publish(alerts);
    }

    /// <summary>Maps the page at <c>/</c>, the Api and the live feed on the local server.</summary>
    public void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Pipeline.Dashboard");
        app.MapPipelineApi(this, logger);
        Feed.Map(app, this);
        app.MapDashboard(new DashboardPageOptions { Live = LiveMode.Stream });
    }

    public ApiHealth GetHealth()
    {
        var ingress = Ingress;
        if (ingress is null)
        {
            return new ApiHealth(false, new HealthResponse("starting", null, null, rules.Version, null, null));
        }

        // Totals() already counts the bodies rejected before they reached a partition.
        var totals = HealthTotals.From(ingress.Totals()) with { OutboxWaiting = Telemetry?.Snapshot().OutboxWaiting ?? ingress.PendingAlerts };
        var ports = new Dictionary<string, string>(StringComparer.Ordinal) { ["state"] = StateDescription, ["history"] = "memory", ["alertHistory"] = "memory" };
        return new ApiHealth(true, new HealthResponse("healthy", null, "local", rules.Version, ports, totals)
        {
            Now = now(),
            LatestEventTime = History.LatestEventTime,
            Checks = HealthCheck.From(Health?.Status),
        });
    }

    public Task<KeyView?> GetDeviceAsync(string id, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(id) || Ingress is not { } ingress ? Task.FromResult<KeyView?>(null) : ingress.GetKeyAsync(id, cancellationToken);

    public Task<IReadOnlyList<AlertEvent>> QueryAlertsAsync(AlertQuery query, CancellationToken cancellationToken) => Alerts.QueryAsync(query, cancellationToken);

    public Task<IMetricHistory> GetHistoryAsync(CancellationToken cancellationToken) => Task.FromResult<IMetricHistory>(History);

    public Task<RuleSet> GetRulesAsync(CancellationToken cancellationToken) => Task.FromResult(rules);
}
