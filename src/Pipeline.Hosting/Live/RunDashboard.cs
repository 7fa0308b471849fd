using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Dashboard.Api;

namespace Pipeline.Hosting.Live;

/// <summary>
/// The one place an in-process run's dashboard (<see cref="ProcessorApiSource"/>) is wired to its
/// <see cref="LocalPipeline"/>, for <see cref="LiveRun"/> and <see cref="FastForwardRun"/> alike: the processors record
/// metric values and delivered alerts into the dashboard, and the dashboard reads the run's ingress, silences, health
/// rules, telemetry and where its state lives.
/// </summary>
internal static class RunDashboard
{
    /// <summary>A dashboard over the run's rules, whose "now" is the run's processing time.</summary>
    public static ProcessorApiSource Create(RuleSet rules, IRunClock clock, TimeProvider time) => new(rules, () => clock.Now, time);

    /// <summary>
    /// Builds the run's pipeline with <paramref name="run"/>, feeding <paramref name="dashboard"/> when there is one,
    /// and points the dashboard at what was built.
    /// </summary>
    public static async Task<LocalPipeline> CreatePipelineAsync(Func<LocalRunOptions, CancellationToken, Task<LocalPipeline>> createPipeline, LocalRunOptions run,
        ProcessorApiSource? dashboard, PipelineOptions pipelineOptions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(createPipeline);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(pipelineOptions);
        if (dashboard is null)
        {
            return await createPipeline(run, cancellationToken).ConfigureAwait(false);
        }

        var pipeline = await createPipeline(run with { History = dashboard.History, Delivered = dashboard.OnDelivered }, cancellationToken).ConfigureAwait(false);
        dashboard.Ingress = pipeline.Ingress;
        dashboard.Silences = pipeline.Silences;
        dashboard.StateDescription = LocalPipeline.DescribeState(pipelineOptions);
        dashboard.Health = pipeline.Health;
        dashboard.Telemetry = pipeline.Telemetry;
        return pipeline;
    }
}
