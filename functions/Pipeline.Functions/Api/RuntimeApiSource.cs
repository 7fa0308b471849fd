using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Engine;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Dashboard.Api;

namespace Pipeline.Functions.Api;

/// <summary>The shared Api's reads, from the handler's runtime (waiting for startup, except health).</summary>
internal sealed class RuntimeApiSource(PipelineRuntime runtime) : IPipelineApiSource
{
    public ApiHealth GetHealth()
    {
        var ready = runtime.Current;
        if (ready is null)
        {
            return new ApiHealth(false, new HealthResponse(runtime.Status, runtime.Error, null, null, null, null));
        }

        var latest = ready.Components.MetricHistory switch
        {
            MemoryMetricHistory memory => memory.LatestEventTime,
            Pipeline.Azure.TableMetricHistory table => table.LatestEventTime,
            _ => null,
        };
        return new ApiHealth(true, new HealthResponse("healthy", null, ready.Components.Environment, ready.Processor.Rules.Version,
            ready.Components.Description, HealthTotals.From(ready.Processor.Totals) with { OutboxWaiting = ready.Processor.WaitingAlerts })
        {
            LatestEventTime = latest,
            Checks = HealthCheck.From(ready.Health?.Status),
        });
    }

    public async Task<KeyView?> GetDeviceAsync(string id, CancellationToken cancellationToken)
    {
        var ready = await runtime.GetAsync(cancellationToken).ConfigureAwait(false);
        return string.IsNullOrEmpty(id) ? null : await ready.Processor.GetKeyAsync(id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AlertEvent>> QueryAlertsAsync(AlertQuery query, CancellationToken cancellationToken)
    {
        var ready = await runtime.GetAsync(cancellationToken).ConfigureAwait(false);
        return await ready.Components.History.QueryAsync(query, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IMetricHistory> GetHistoryAsync(CancellationToken cancellationToken) =>
        (await runtime.GetAsync(cancellationToken).ConfigureAwait(false)).Components.MetricHistory;

    public TimeProvider Time => runtime.Time;

    public async Task<ISilenceStore?> GetSilencesAsync(CancellationToken cancellationToken) =>
        (await runtime.GetAsync(cancellationToken).ConfigureAwait(false)).Components.Silences;

    public async Task<RuleSet> GetRulesAsync(CancellationToken cancellationToken) =>
        (await runtime.GetAsync(cancellationToken).ConfigureAwait(false)).Processor.Rules;
}
