using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using Pipeline.Core.Observability;
using Pipeline.Functions.Api;
using Pipeline.Hosting;
using Pipeline.Functions.Ingest;
using Pipeline.Functions.Sweep;

namespace Pipeline.Functions;

/// <summary>How to build a handler: where it listens and where its ports come from.</summary>
public sealed record HandlerOptions
{
    /// <summary>The loopback port (<c>FUNCTIONS_CUSTOMHANDLER_PORT</c>); 0 picks a free one (tests).</summary>
    public int Port { get; init; }

    /// <summary>
    /// Builds the ports once the server is up; by default those the <c>Pipeline</c> configuration section describes
    /// (<see cref="PipelineServiceCollectionExtensions.AddPipeline"/>). Tests pass their own.
    /// </summary>
    public Func<IServiceProvider, CancellationToken, Task<PipelineComponents>>? Components { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Replaces the default (console) logging, e.g. to keep test output quiet.</summary>
    public Action<ILoggingBuilder>? Logging { get; init; }

    /// <summary>Adjusts the telemetry export the configuration describes (tests add a reader of their own).</summary>
    public Func<TelemetryExportOptions, TelemetryExportOptions>? Telemetry { get; init; }
}

/// <summary>The custom handler: an ASP.NET Core server the Functions host starts and calls over loopback HTTP.</summary>
public static class HandlerApp
{
    public const string PortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";

    public static WebApplication Build(string[] args, HandlerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(args);

        // Only the local Functions host may call the handler: loopback only, whatever ASPNETCORE_URLS says.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port);
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.AddServerHeader = false;
        });
        builder.Logging.ClearProviders();

        // Two lines per request from ASP.NET Core's hosting log would double the host's log volume for nothing.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        if (options.Logging is { } logging)
        {
            logging(builder.Logging);
        }
        else
        {
            // The host captures the handler's stdout line by line into its own log: one line per entry.
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss.fff ";
                console.UseUtcTimestamp = true;
            });
        }

        // Structured logs go to Application Insights too when it is configured, sent with the same managed identity.
        var export = PipelineTelemetryServiceCollectionExtensions.ExportOptions(builder.Configuration);
        if (export.AzureMonitorConnectionString is { } connectionString)
        {
            builder.Logging.AddOpenTelemetry(o => o.AddAzureMonitorLogExporter(a => a.ConnectionString = connectionString, export.AzureMonitorCredential));
        }

        builder.Services.AddSingleton(options.Time);
        builder.Services.AddPipeline(builder.Configuration);
        builder.Services.AddPipelineTelemetry(builder.Configuration, options.Telemetry);
        var app = builder.Build();
        _ = app.Services.GetRequiredService<PipelineTelemetryExport>(); // starts the exporters; the container disposes them
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Pipeline.Functions");
        var services = app.Services;
        var components = options.Components ?? ((sp, ct) => sp.GetRequiredService<PipelineComponentsFactory>().CreateAsync(ct));
        var runtime = new PipelineRuntime(ct => components(services, ct), options.Time, logger, services.GetRequiredService<PipelineTelemetry>());
        app.Lifetime.ApplicationStarted.Register(runtime.Start);
        app.Lifetime.ApplicationStopped.Register(() => runtime.DisposeAsync().AsTask().GetAwaiter().GetResult());

        // The host polls GET / until it answers; it must not wait for the pipeline to start.
        app.MapGet("/", static context =>
        {
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync("ok");
        });
        IngestFunction.Map(app, runtime, options.Time, logger);
        SweepFunction.Map(app, runtime, options.Time, logger);
        ApiEndpoints.Map(app, runtime, logger);
        return app;
    }

    /// <summary>The address the started app listens on (tests start it on port 0).</summary>
    public static Uri GetAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("The handler is not listening yet.");
        return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal), UriKind.Absolute);
    }
}
