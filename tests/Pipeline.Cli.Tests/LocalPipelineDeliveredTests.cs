using Microsoft.Extensions.Time.Testing;
using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.RuleSets;
using Pipeline.Hosting;

namespace Pipeline.Cli.Tests;

/// <summary>
/// Issue 12, item 4: <c>pipeline run</c> kept every delivered alert in <see cref="LocalPipeline.Delivered"/>, so its memory
/// grew with every alert. A finite demo or replay still asks for the list; an endless run keeps none.
/// </summary>
public sealed class LocalPipelineDeliveredTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(true, 4)]
    [InlineData(false, 0)]
    public async Task Delivered_alerts_are_listed_only_when_the_run_asks_for_the_list(bool keepDelivered, int listed)
    {
        const string RulesText = """
            rules:
              - id: hot
                metric: temperature
                when: "> 80"
            """;
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("rules.yaml"), RulesText);
        var rules = RuleSetLoader.Load(RulesText).RuleSet!;
        var options = new PipelineOptions { Environment = "test" };
        options.Rules.Path = dir.File("rules.yaml");
        options.State.History = false;
        options.Alerts.Kinds.Clear();
        options.DeadLetters.Kind = DeadLetterKind.Memory;
        var time = new FakeTimeProvider(T0);
        var console = new MemoryAlertSink();
        var components = await LocalPipeline.CreateComponentsAsync(options, time, null, CancellationToken.None);
        await using var pipeline = LocalPipeline.Create(rules, components, options, new LocalRunOptions
        {
            Front = console,
            KeepDelivered = keepDelivered,
            TelemetryName = "Pipeline.Tests." + Guid.NewGuid().ToString("N"),
        }, time);

        Telemetry[] events =
        [
            Temperature(0, 90),   // fires
            Temperature(10, 70),  // resolves
            Temperature(20, 90),  // fires again
            Temperature(30, 70),  // resolves again
        ];
        await pipeline.Ingress.SubmitAsync(events, T0.AddSeconds(30), CancellationToken.None);
        await pipeline.Ingress.SweepAsync(T0.AddMinutes(5), CancellationToken.None); // past the reorder buffer: all four apply

        Assert.Equal(
            [AlertTransitionKind.Fired, AlertTransitionKind.Resolved, AlertTransitionKind.Fired, AlertTransitionKind.Resolved],
            console.Published.Select(a => a.Kind));
        Assert.Equal(listed, pipeline.Delivered.Count);
    }

    private static Telemetry Temperature(int second, double value) =>
        new("d1", T0.AddSeconds(second), new Dictionary<string, double> { ["temperature"] = value }, source: new SourcePosition("test", second, T0.AddSeconds(second)));
}
