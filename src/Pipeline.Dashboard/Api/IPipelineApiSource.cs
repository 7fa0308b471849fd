using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Engine;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.State;

namespace Pipeline.Dashboard.Api;

/// <summary>What the Api reads, whichever shell runs the pipeline (the CLI's run, the Function App's runtime).</summary>
public interface IPipelineApiSource
{
    /// <summary>Health now, never waiting for startup; <see cref="ApiHealth.Ready"/> false answers 503.</summary>
    ApiHealth GetHealth();

    /// <summary>One key's state, or null if it was never seen.</summary>
    Task<KeyView?> GetDeviceAsync(string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<AlertEvent>> QueryAlertsAsync(AlertQuery query, CancellationToken cancellationToken);

    /// <summary>The per-device metric history (waits for startup where the shell starts asynchronously).</summary>
    Task<IMetricHistory> GetHistoryAsync(CancellationToken cancellationToken);

    /// <summary>The rules in force (thresholds drawn on charts).</summary>
    Task<RuleSet> GetRulesAsync(CancellationToken cancellationToken);

    /// <summary>Where silences are kept (<c>/api/silences</c>); null answers 404.</summary>
    Task<ISilenceStore?> GetSilencesAsync(CancellationToken cancellationToken) => Task.FromResult<ISilenceStore?>(null);

    /// <summary>The clock a new silence is checked against (it must end after now).</summary>
    TimeProvider Time => TimeProvider.System;
}

/// <summary>A health answer and whether the pipeline is ready.</summary>
public sealed record ApiHealth(bool Ready, HealthResponse Response);
