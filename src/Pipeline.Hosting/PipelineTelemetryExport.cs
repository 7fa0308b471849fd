using Azure.Core;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Pipeline.Core.Observability;

namespace Pipeline.Hosting;

/// <summary>Where the pipeline's metrics and traces go (docs/observability.md). All off: nothing is exported.</summary>
public sealed record TelemetryExportOptions
{
    /// <summary>Serve the metrics in the Prometheus text format at <see cref="PrometheusPath"/> on the app's (loopback) server.</summary>
    public bool Prometheus { get; init; }

    public string PrometheusPath { get; init; } = "/metrics";

    /// <summary>An OpenTelemetry collector's OTLP endpoint (gRPC, e.g. <c>http://127.0.0.1:4317</c>) for metrics, and traces with <see cref="Traces"/>.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>Export the spans of every batch (decode, load, apply, persist, publish); they need an exporter that takes traces.</summary>
    public bool Traces { get; init; }

    /// <summary>
    /// The Application Insights connection string (its ingestion endpoint and resource id, no secret: the resource
    /// has local authentication off). Set together with <see cref="AzureMonitorCredential"/>.
    /// </summary>
    public string? AzureMonitorConnectionString { get; init; }

    /// <summary>The identity that sends to Application Insights (the Function App's managed identity).</summary>
    public TokenCredential? AzureMonitorCredential { get; init; }

    /// <summary>How often metrics are pushed to OTLP and Azure Monitor.</summary>
    public TimeSpan ExportInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>More readers or exporters of the metrics (an in-memory exporter in tests).</summary>
    public Action<MeterProviderBuilder>? ConfigureMetrics { get; init; }

    /// <summary>The <c>service.name</c> resource attribute.</summary>
    public string ServiceName { get; init; } = "pipeline";

    /// <summary>The problems of these options, each naming what is wrong; empty when they can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Traces && OtlpEndpoint is null && AzureMonitorConnectionString is null)
        {
            errors.Add("Traces need an exporter that takes them: an OTLP endpoint or Application Insights.");
        }

        if (AzureMonitorConnectionString is not null && AzureMonitorCredential is null)
        {
            errors.Add("Application Insights export needs a credential (the managed identity): the resource accepts no key.");
        }

        if (ExportInterval <= TimeSpan.Zero)
        {
            errors.Add("The metric export interval must be longer than zero.");
        }

        if (!PrometheusPath.StartsWith('/'))
        {
            errors.Add($"The Prometheus path must start with '/', not '{PrometheusPath}'.");
        }

        return errors;
    }
}

/// <summary>
/// The OpenTelemetry SDK over one <see cref="PipelineTelemetry"/>: a meter provider (Prometheus, OTLP, Azure Monitor)
/// and, when asked, a tracer provider. Both shells start it the same way; disposing flushes and stops the exporters.
/// </summary>
public sealed class PipelineTelemetryExport : IDisposable
{
    private readonly TelemetryExportOptions _options;

    private PipelineTelemetryExport(TelemetryExportOptions options, MeterProvider? meters, TracerProvider? traces)
    {
        _options = options;
        Meters = meters;
        Traces = traces;
    }

    public MeterProvider? Meters { get; }

    public TracerProvider? Traces { get; }

    /// <summary>Starts the exporters the options ask for; throws the options' problems.</summary>
    public static PipelineTelemetryExport Start(PipelineTelemetry telemetry, TelemetryExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new InvalidOperationException(string.Join(" ", errors));
        }

        var resource = ResourceBuilder.CreateDefault().AddService(options.ServiceName);
        var azure = options.AzureMonitorConnectionString is not null;
        MeterProvider? meters = null;
        if (options.Prometheus || options.OtlpEndpoint is not null || azure || options.ConfigureMetrics is not null)
        {
            var builder = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(telemetry.Meter.Name);
            if (options.Prometheus)
            {
                builder.AddPrometheusExporter(o => o.ScrapeEndpointPath = options.PrometheusPath);
            }

            if (options.OtlpEndpoint is { } endpoint)
            {
                builder.AddOtlpExporter((exporter, reader) =>
                {
                    exporter.Endpoint = endpoint;
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.ExportInterval.TotalMilliseconds;
                });
            }

            if (azure)
            {
                builder.AddAzureMonitorMetricExporter(o => o.ConnectionString = options.AzureMonitorConnectionString, options.AzureMonitorCredential);
            }

            options.ConfigureMetrics?.Invoke(builder);
            meters = builder.Build();
        }

        TracerProvider? traces = null;
        if (options.Traces)
        {
            var builder = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(telemetry.ActivitySource.Name);
            if (options.OtlpEndpoint is { } endpoint)
            {
                builder.AddOtlpExporter(o => o.Endpoint = endpoint);
            }

            if (azure)
            {
                builder.AddAzureMonitorTraceExporter(o => o.ConnectionString = options.AzureMonitorConnectionString, options.AzureMonitorCredential);
            }

            traces = builder.Build();
        }

        return new PipelineTelemetryExport(options, meters, traces);
    }

    /// <summary>Maps the Prometheus scraping endpoint on <paramref name="endpoints"/> when the options ask for it.</summary>
    public void MapPrometheus(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (_options.Prometheus && Meters is not null)
        {
            endpoints.MapPrometheusScrapingEndpoint(_options.PrometheusPath, Meters, configureBranchedPipeline: null, optionsName: null);
        }
    }

    public void Dispose()
    {
        Traces?.Dispose();
        Meters?.Dispose();
    }
}
