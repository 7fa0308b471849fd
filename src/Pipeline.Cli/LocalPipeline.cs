using Pipeline.Azure;
using Pipeline.Core.Alerts;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
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
/// The pieces of one local run, wired: state stores, the alert sinks (fanned out), the dead-letter store and the
/// <see cref="PartitionedProcessor"/>. Disposing flushes and closes files.
/// </summary>
internal sealed class LocalPipeline : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly HttpClient? _http;

    private LocalPipeline(HttpClient? http) => _http = http;

    public PartitionedProcessor Ingress { get; private set; } = null!;

    public IDeadLetterStore DeadLetters { get; private set; } = null!;

    /// <summary>One line per sink, for the banner.</summary>
    public IReadOnlyList<string> SinkDescriptions { get; private set; } = [];

    public string StateDescription { get; private set; } = string.Empty;

    /// <summary>Every alert delivered, in order (the demo's summary table reads it).</summary>
    public List<AlertEvent> Delivered { get; } = [];

    public static async Task<LocalPipeline> CreateAsync(RuleSet rules, int partitions, StateSettings state, SinkSettings sinks,
        IDeadLetterStore deadLetters, string environment, bool parallel, CliIo io, CancellationToken cancellationToken, LocalDashboard? dashboard = null)
    {
        HttpClient? http = null;
        if (sinks.Kinds.Contains(AlertSinkKind.Webhook))
        {
            http = io.Context.HttpHandler is { } handler ? new HttpClient(handler, disposeHandler: false) : new HttpClient();
        }

        var pipeline = new LocalPipeline(http) { DeadLetters = deadLetters };
        if (deadLetters is IAsyncDisposable d)
        {
            pipeline._owned.Add(d);
        }

        try
        {
            var (stores, sequenceBase) = await CreateStoresAsync(state, partitions, io, cancellationToken).ConfigureAwait(false);
            pipeline.StateDescription = state.Kind == StateKind.Tables
                ? $"Azure Tables '{state.StateTable}' at {(state.TablesUri?.ToString() ?? "the connection string's account")}"
                : "memory";
            var sink = pipeline.CreateSinks(sinks, io);
            pipeline.Ingress = new PartitionedProcessor(rules, stores, sink, deadLetters, new ProcessorOptions { Environment = environment, History = dashboard?.History }, parallel, sequenceBase)
            {
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
        catch
        {
            await pipeline.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Ingress?.Dispose();
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync().ConfigureAwait(false);
        }

        _http?.Dispose();
    }

    private static async Task<(IReadOnlyList<IStateStore> Stores, long SequenceBase)> CreateStoresAsync(StateSettings state, int partitions,
        CliIo io, CancellationToken cancellationToken)
    {
        if (state.Kind != StateKind.Tables)
        {
            // One store per partition: a Sweep then only ever sees its own partition's keys.
            return ([.. Enumerable.Range(0, partitions).Select(_ => (IStateStore)new MemoryStateStore())], 0);
        }

        // Fewer, shorter retries than the Function App's: a person at a terminal should hear about a missing emulator in seconds.
        var options = state.TablesConnection is { } connection
            ? new TableStorageOptions { ConnectionString = connection, MaxRetries = 3, MaxRetryDelay = TimeSpan.FromSeconds(2) }
            : new TableStorageOptions { TableServiceUri = state.TablesUri, Credential = AzureCredentials.Create(state.ClientId), MaxRetries = 3, MaxRetryDelay = TimeSpan.FromSeconds(2) };
        TableStateStore store;
        try
        {
            store = new TableStateStore(options.CreateTableServiceClient(), state.StateTable, state.StateTable + "deadlines");
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new UserErrorException($"--tables-connection is not a usable connection string: {ex.Message}", ex);
        }

        try
        {
            await store.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is global::Azure.RequestFailedException or global::Azure.Identity.AuthenticationFailedException
                                   or global::Azure.Identity.CredentialUnavailableException or HttpRequestException or AggregateException)
        {
            // The client's retry policy wraps the attempts' failures in an AggregateException: the first one says why.
            var reason = ex is AggregateException { InnerExceptions.Count: > 0 } all ? all.InnerExceptions[0].Message : ex.Message;
            throw new UserErrorException($"cannot reach table storage ({FirstLine(reason)}); check --tables-uri or --tables-connection, that Azurite is running, or that you are signed in (az login)", ex);
        }

        // Stored state remembers the last sequence number applied per partition, so this run's numbers must start
        // above any earlier run's: start from the wall-clock time (in microseconds), which only grows between runs.
        var sequenceBase = io.Context.Time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        return (PartitionedProcessor.ScopedStores(store, partitions), sequenceBase);
    }

    private IAlertSink CreateSinks(SinkSettings settings, CliIo io)
    {
        var sinks = new List<IAlertSink>();
        var descriptions = new List<string>();
        if (settings.Console)
        {
            sinks.Add(new ConsoleAlertSink(io.Stdout, io.Color));
            descriptions.Add("console");
        }

        foreach (var kind in settings.Kinds)
        {
            switch (kind)
            {
                case AlertSinkKind.Jsonl:
                    JsonLinesAlertSink file;
                    try
                    {
                        file = new JsonLinesAlertSink(settings.JsonLinesPath, settings.AppendJsonLines);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        throw new UserErrorException($"cannot open alerts file '{settings.JsonLinesPath}': {ex.Message}", ex);
                    }

                    _owned.Add(file);
                    sinks.Add(file);
                    descriptions.Add($"jsonl ({settings.JsonLinesPath})");
                    break;
                case AlertSinkKind.Webhook:
                    var url = settings.WebhookUrl ?? throw new UserErrorException("--sink webhook needs --webhook-url URL");
                    sinks.Add(new WebhookAlertSink(_http!, url,
                        new WebhookAlertSinkOptions { MaxAttempts = settings.WebhookAttempts, InitialDelay = settings.WebhookBackoff }, io.Context.Time));
                    descriptions.Add($"webhook ({url})");
                    break;
                case AlertSinkKind.EventGrid:
                    var topic = settings.EventGridEndpoint ?? throw new UserErrorException("--sink eventgrid needs --eventgrid-endpoint URL");
                    sinks.Add(new EventGridAlertSink(topic, AzureCredentials.Create(settings.ClientId)));
                    descriptions.Add($"eventgrid ({topic})");
                    break;
                default:
                    throw new UserErrorException($"the {kind.ToString().ToLowerInvariant()} sink is not available in the CLI");
            }
        }

        SinkDescriptions = descriptions;
        return sinks.Count == 1 ? sinks[0] : new FanOutAlertSink(sinks);
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
