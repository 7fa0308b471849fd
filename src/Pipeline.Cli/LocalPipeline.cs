using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Alerts;
using Pipeline.Core.Observability;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Hosting;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary>Where a run keeps per-key state.</summary>
internal sealed record StateSettings(StateKind Kind, Uri? TablesUri, string? TablesConnection, string? ClientId, string StateTable);

/// <summary>Where a run delivers alerts.</summary>
/// <param name="Console">Print alerts to the terminal as well (before the other sinks).</param>
internal sealed record SinkSettings(
    bool Console,
    IReadOnlyList<AlertSinkKind> Kinds,
    string JsonLinesPath,
    bool AppendJsonLines,
    Uri? WebhookUrl,
    int WebhookAttempts,
    TimeSpan WebhookBackoff,
    Uri? EventGridEndpoint,
    string? ClientId);

/// <summary>
/// One local run: the ports <see cref="PipelineOptions"/> describe, built by the same <c>AddPipeline</c> registration as
/// the Function App's from the command's flags, and the <see cref="PartitionedProcessor"/> over them, with the console
/// in front of the other sinks when asked. Disposing flushes and closes files.
/// </summary>
internal sealed class LocalPipeline : IAsyncDisposable
{
    private readonly PipelineComponents _components;

    private LocalPipeline(PipelineComponents components, PipelineTelemetry telemetry, PipelineTelemetryExport export)
    {
        _components = components;
        Telemetry = telemetry;
        Export = export;
    }

    /// <summary>The run's metrics and traces (docs/observability.md); the health rules and the dashboard read them too.</summary>
    public PipelineTelemetry Telemetry { get; }

    /// <summary>The exporters the flags asked for (<c>--metrics</c>, <c>--otlp-endpoint</c>, <c>--trace</c>).</summary>
    public PipelineTelemetryExport Export { get; }

    public HealthMonitor Health { get; private set; } = null!;

    public PartitionedProcessor Ingress { get; private set; } = null!;

    /// <summary>Dead letters this run wrote to its JSON Lines file.</summary>
    public long DeadLettersWritten => (_components.DeadLetters as JsonLinesDeadLetterStore)?.Written ?? 0;

    /// <summary>One line per sink, for the banner.</summary>
    public IReadOnlyList<string> SinkDescriptions { get; private set; } = [];

    public string StateDescription { get; private set; } = string.Empty;

    /// <summary>Every alert delivered, in order (the demo's summary table reads it).</summary>
    public List<AlertEvent> Delivered { get; } = [];

    /// <param name="deadLetterPath">The JSON Lines file of rejected input; null keeps them in memory.</param>
    public static async Task<LocalPipeline> CreateAsync(RuleSet rules, string rulesPath, int partitions, StateSettings state, SinkSettings sinks,
        string? deadLetterPath, string environment, bool parallel, CliIo io, CancellationToken cancellationToken, LocalDashboard? dashboard = null,
        TelemetryExportOptions? export = null)
    {
        var services = new ServiceCollection().AddSingleton(io.Context.Time).AddPipeline(new ConfigurationBuilder().Build());
        if (io.Context.HttpHandler is { } handler)
        {
            services.AddSingleton(handler);
        }

        services.Configure<PipelineOptions>(o => Map(o, rulesPath, state, sinks, deadLetterPath, environment));
        PipelineComponents components;
        await using (var provider = services.BuildServiceProvider())
        {
            components = await CreateComponentsAsync(provider.GetRequiredService<PipelineComponentsFactory>(), state, sinks, cancellationToken).ConfigureAwait(false);
        }

        var telemetry = new PipelineTelemetry(io.Context.Time, io.Context.TelemetryName);
        PipelineTelemetryExport exporters;
        try
        {
            exporters = PipelineTelemetryExport.Start(telemetry, export ?? new TelemetryExportOptions());
        }
        catch (InvalidOperationException ex)
        {
            telemetry.Dispose();
            await components.DisposeAsync().ConfigureAwait(false);
            throw new UserErrorException(ex.Message, ex);
        }

        var pipeline = new LocalPipeline(components, telemetry, exporters)
        {
            StateDescription = state.Kind == StateKind.Tables
                ? $"Azure Tables '{state.StateTable}' at {(state.TablesUri?.ToString() ?? "the connection string's account")}"
                : "memory",
            SinkDescriptions = [.. sinks.Console ? ["console"] : Enumerable.Empty<string>(), .. sinks.Kinds.Select(kind => kind switch
            {
                AlertSinkKind.Jsonl => $"jsonl ({sinks.JsonLinesPath})",
                AlertSinkKind.Webhook => $"webhook ({sinks.WebhookUrl})",
                _ => $"eventgrid ({sinks.EventGridEndpoint})",
            })],
        };

        // Stored state remembers the last sequence number applied per partition, so this run's numbers must start
        // above any earlier run's: start from the wall-clock time (in microseconds), which only grows between runs.
        var sequenceBase = state.Kind == StateKind.Tables ? io.Context.Time.GetUtcNow().ToUnixTimeMilliseconds() * 1000 : 0;
        IAlertSink sink = sinks.Kinds.Count == 0 ? new ConsoleAlertSink(io.Stdout, io.Color)
            : sinks.Console ? new FanOutAlertSink([new ConsoleAlertSink(io.Stdout, io.Color), components.Alerts])
            : components.Alerts;
        pipeline.Health = new HealthMonitor(telemetry, sink, new HealthOptions { Environment = environment });
        pipeline.Ingress = new PartitionedProcessor(rules, PartitionedProcessor.ScopedStores(components.State, partitions), sink, components.DeadLetters,
            new ProcessorOptions
            {
                Environment = environment,
                History = dashboard?.History,

                // A local Sweep costs no storage transactions: release a quiet key's reorder buffer as soon as the
                // out-of-order tolerance has passed, as a person watching a local run expects.
                BufferIdleDelay = TimeSpan.Zero,
                Telemetry = telemetry,
            }, parallel, sequenceBase)
        {
            Health = pipeline.Health,
            Delivered = alerts =>
            {
                lock (pipeline.Delivered)
                {
                    pipeline.Delivered.AddRange(alerts);
                }

                dashboard?.OnDelivered(alerts);
            },
            PublishStateChanged = error => io.Stderr.WriteLine(error is null
                ? "pipeline: alert delivery works again; waiting alerts were delivered"
                : $"pipeline: alert delivery failed, alerts kept and retried at the next sweep: {error}"),
        };
        return pipeline;
    }

    public async ValueTask DisposeAsync()
    {
        Ingress?.Dispose();
        Export.Dispose();
        Telemetry.Dispose();
        await _components.DisposeAsync().ConfigureAwait(false);
    }

    private static void Map(PipelineOptions o, string rulesPath, StateSettings state, SinkSettings sinks, string? deadLetterPath, string environment)
    {
        o.Environment = environment;
        o.Rules.Path = rulesPath;
        o.ClientId = state.ClientId ?? sinks.ClientId;
        o.State.Kind = state.Kind;
        o.State.TableServiceUri = state.TablesUri;
        o.State.Table = state.StateTable;
        o.State.History = false; // the CLI has no alert list to serve
        o.Storage.ConnectionString = state.TablesConnection;

        // Fewer, shorter retries than the Function App's: a person at a terminal should hear about a missing emulator in seconds.
        o.Storage.MaxRetries = 3;
        o.Storage.MaxRetryDelay = TimeSpan.FromSeconds(2);
        o.Alerts.Kinds.Clear();

        // The console alone is not a port of the pipeline: a memory sink stands in, unused.
        foreach (var kind in sinks.Kinds.Count == 0 ? [AlertSinkKind.Memory] : sinks.Kinds)
        {
            o.Alerts.Kinds.Add(kind);
        }

        o.Alerts.Path = sinks.JsonLinesPath;
        o.Alerts.Append = sinks.AppendJsonLines;
        o.Alerts.WebhookUrl = sinks.WebhookUrl;
        o.Alerts.Webhook = new WebhookAlertSinkOptions { MaxAttempts = sinks.WebhookAttempts, InitialDelay = sinks.WebhookBackoff };
        o.Alerts.TopicEndpoint = sinks.EventGridEndpoint;
        o.DeadLetters.Kind = deadLetterPath is null ? DeadLetterKind.Memory : DeadLetterKind.Jsonl;
        o.DeadLetters.Path = deadLetterPath ?? o.DeadLetters.Path;
    }

    /// <summary>The ports, with failures caused by the flags or the surroundings told in the flags' terms.</summary>
    private static async Task<PipelineComponents> CreateComponentsAsync(PipelineComponentsFactory factory, StateSettings state, SinkSettings sinks,
        CancellationToken cancellationToken)
    {
        if (sinks.Kinds.Contains(AlertSinkKind.Webhook) && sinks.WebhookUrl is null)
        {
            throw new UserErrorException("--sink webhook needs --webhook-url URL");
        }

        if (sinks.Kinds.Contains(AlertSinkKind.EventGrid) && sinks.EventGridEndpoint is null)
        {
            throw new UserErrorException("--sink eventgrid needs --eventgrid-endpoint URL");
        }

        try
        {
            return await factory.CreateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"cannot open alerts file '{sinks.JsonLinesPath}': {ex.Message}", ex);
        }
        catch (Exception ex) when (state.Kind == StateKind.Tables && ex is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new UserErrorException($"--tables-connection is not a usable connection string: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is global::Azure.RequestFailedException or global::Azure.Identity.AuthenticationFailedException
                                   or global::Azure.Identity.CredentialUnavailableException or HttpRequestException or AggregateException)
        {
            // The client's retry policy wraps the attempts' failures in an AggregateException: the first one says why.
            var reason = ex is AggregateException { InnerExceptions.Count: > 0 } all ? all.InnerExceptions[0].Message : ex.Message;
            var end = reason.IndexOfAny(['\r', '\n']);
            throw new UserErrorException($"cannot reach table storage ({(end < 0 ? reason : reason[..end])}); check --tables-uri or --tables-connection, that Azurite is running, or that you are signed in (az login)", ex);
        }
    }
}
