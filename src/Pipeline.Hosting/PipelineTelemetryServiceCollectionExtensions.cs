using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pipeline.Azure;
using Pipeline.Core.Observability;

namespace Pipeline.Hosting;

public static class PipelineTelemetryServiceCollectionExtensions
{
    /// <summary>The app setting that names the Application Insights resource (its connection string carries no secret).</summary>
    public const string ApplicationInsightsSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>
    /// Registers the pipeline's <see cref="PipelineTelemetry"/> and its exporters: with
    /// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> set, metrics and batch spans go to Application Insights, sent with
    /// the managed identity (<c>Pipeline__ClientId</c> or <c>AZURE_CLIENT_ID</c> selects a user-assigned one), since the
    /// resource accepts no instrumentation key. <paramref name="configure"/> adjusts the export (a shell's flags, a test).
    /// Resolve <see cref="PipelineTelemetryExport"/> once at start to begin exporting; the container stops it.
    /// </summary>
    public static IServiceCollection AddPipelineTelemetry(this IServiceCollection services, IConfiguration configuration,
        Func<TelemetryExportOptions, TelemetryExportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new PipelineTelemetry(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp =>
        {
            var options = ExportOptions(configuration);
            return configure is null ? options : configure(options);
        });
        services.TryAddSingleton(sp => PipelineTelemetryExport.Start(sp.GetRequiredService<PipelineTelemetry>(), sp.GetRequiredService<TelemetryExportOptions>()));
        return services;
    }

    /// <summary>The export the configuration describes: Application Insights with the managed identity when its connection string is set.</summary>
    public static TelemetryExportOptions ExportOptions(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[ApplicationInsightsSetting] is not { Length: > 0 } connectionString)
        {
            return new TelemetryExportOptions();
        }

        var clientId = configuration[$"{PipelineOptions.Section}:ClientId"] is { Length: > 0 } id ? id : configuration["AZURE_CLIENT_ID"];
        return new TelemetryExportOptions
        {
            AzureMonitorConnectionString = connectionString,
            AzureMonitorCredential = AzureCredentials.Create(clientId),
            Traces = true,
            ServiceName = "pipeline-functions",
        };
    }
}
