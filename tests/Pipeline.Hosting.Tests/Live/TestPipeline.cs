using Pipeline.Core.Alerts;
using Pipeline.Core.Rules;

namespace Pipeline.Hosting.Tests.Live;

/// <summary>The in-memory ports the run tests build their runs over: the test's sink in front, a meter of the run's own.</summary>
internal static class TestPipeline
{
    /// <summary>Options of in-memory ports over the rule file at <paramref name="rulesPath"/>, with no configured sink.</summary>
    public static PipelineOptions Options(string rulesPath)
    {
        var options = new PipelineOptions { Environment = "test" };
        options.Rules.Path = rulesPath;
        options.State.History = false;
        options.Alerts.Kinds.Clear();
        options.DeadLetters.Kind = DeadLetterKind.Memory;
        return options;
    }

    /// <summary>The run's pipeline as a shell builds it, with <paramref name="front"/> in front of the configured sinks.</summary>
    public static async Task<LocalPipeline> CreateAsync(RuleSet rules, PipelineOptions options, LocalRunOptions run, IAlertSink front, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var components = await LocalPipeline.CreateComponentsAsync(options, time, null, cancellationToken);

        // Runs side by side in one test process each get their own meter, so one run's counts never reach another's.
        return LocalPipeline.Create(rules, components, options, run with
        {
            Front = front,
            TelemetryName = "Pipeline.Tests." + Guid.NewGuid().ToString("N"),
        }, time);
    }
}
