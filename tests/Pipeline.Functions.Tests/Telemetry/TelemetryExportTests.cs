using System.Text;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.Observability;
using Pipeline.Core.Processing;
using Pipeline.Core.RuleSets;
using Pipeline.Core.State;
using Pipeline.Hosting;

namespace Pipeline.Functions.Tests.Telemetry;

/// <summary>The Function App's export settings, and the OpenTelemetry SDK over the processor's instruments.</summary>
public sealed class TelemetryExportTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Without_application_insights_nothing_is_exported()
    {
        var options = PipelineTelemetryServiceCollectionExtensions.ExportOptions(Settings());

        Assert.Equal((null, false, false, null), (options.AzureMonitorConnectionString, options.Traces, options.Prometheus, options.OtlpEndpoint));
    }

    [Fact]
    public void Application_insights_is_sent_metrics_and_spans_with_the_managed_identity_not_a_key()
    {
        // The connection string as infra/ sets it: the resource's ids and endpoints; local auth is off, so no key works.
        const string connection = "InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/";
        var options = PipelineTelemetryServiceCollectionExtensions.ExportOptions(Settings(
            ("APPLICATIONINSIGHTS_CONNECTION_STRING", connection), ("AZURE_CLIENT_ID", "11111111-1111-1111-1111-111111111111")));

        Assert.Equal(connection, options.AzureMonitorConnectionString);
        Assert.IsType<DefaultAzureCredential>(options.AzureMonitorCredential);
        Assert.True(options.Traces);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Application_insights_without_a_credential_is_refused_with_a_reason()
    {
        var options = new TelemetryExportOptions { AzureMonitorConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000001" };

        Assert.Equal(["Application Insights export needs a credential (the managed identity): the resource accepts no key."], options.Validate());
        Assert.Throws<InvalidOperationException>(() => PipelineTelemetryExport.Start(new PipelineTelemetry(TimeProvider.System, "unused"), options));
    }

    [Fact]
    public async Task The_sdk_exports_the_processor_instruments_with_their_names_and_units()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var telemetry = new PipelineTelemetry(time, "Pipeline.Test." + Guid.NewGuid().ToString("N"));
        var exported = new List<Metric>();
        using (var export = PipelineTelemetryExport.Start(telemetry, new TelemetryExportOptions { ConfigureMetrics = b => b.AddInMemoryExporter(exported) }))
        {
            var rules = RuleSetLoader.Load(TestHandler.HotRules).RuleSet!;
            using var processor = new PartitionProcessor(rules, new MemoryStateStore(), new MemoryAlertSink(), new MemoryDeadLetterStore(),
                new ProcessorOptions { Telemetry = telemetry });
            var now = time.GetUtcNow();
            RawEvent Body(string text, long sequence) => new(Encoding.UTF8.GetBytes(text), new SourcePosition("0", sequence, now));

            await processor.ProcessAsync(
            [
                Body($$"""{"deviceId":"d1","ts":"{{now:O}}","temperature":20}""", 1),
                Body("{not json", 2),
                Body($$"""{"deviceId":"d1","ts":"{{now:O}}","temperature":20}""", 1), // the same position again
            ], now);
            Assert.True(export.Meters!.ForceFlush());
        }

        var events = exported.Last(m => m.Name == "pipeline.events");
        Assert.Equal("{event}", events.Unit);
        var byDisposition = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (ref readonly var point in events.GetMetricPoints())
        {
            foreach (var tag in point.Tags)
            {
                byDisposition[(string)tag.Value!] = point.GetSumLong();
            }
        }

        Assert.Equal(new Dictionary<string, long>(StringComparer.Ordinal) { ["applied"] = 1, ["duplicate"] = 1, ["malformed"] = 1 }, byDisposition);
        Assert.Equal("s", exported.Last(m => m.Name == "pipeline.batch.duration").Unit);
        Assert.Equal(MetricType.Histogram, exported.Last(m => m.Name == "pipeline.state.operation.duration").MetricType);
    }
}
