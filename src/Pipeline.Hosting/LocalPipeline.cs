using Pipeline.Core.Alerts;
using Pipeline.Core.Observability;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Local;

namespace Pipeline.Hosting;

/// <summary>How an in-process run drives its ports, beyond what <see cref="PipelineOptions"/> says.</summary>
public sealed record LocalRunOptions
{
    /// <summary>Virtual partitions (one processor each, keys routed by hash).</summary>
    public int Partitions { get; init; } = 1;

    /// <summary>Process partitions at the same time; off keeps the order of alerts the same on every run.</summary>
    public bool Parallel { get; init; }

    /// <summary>A sink in front of the configured ones (the console); with no configured sink, the only one.</summary>
    public IAlertSink? Front { get; init; }

    /// <summary>Where the processors record metric values (a dashboard's charts); null records none.</summary>
    public IMetricHistory? History { get; init; }

    /// <summary>Called with every batch of delivered alerts (a dashboard's live feed).</summary>
    public Action<IReadOnlyList<AlertEvent>>? Delivered { get; init; }

    /// <summary>Called with the delivery error when publishing starts failing, and with null when it works again.</summary>
    public Action<string?>? PublishStateChanged { get; init; }

    /// <summary>
    /// Deliver alerts from a loop apart from intake (<see cref="AlertDeliveryLoop"/>), so a sink answering 500 or not at
    /// all never holds the sources; off, each batch publishes its own alerts (a finite replay wants them in order).
    /// </summary>
    public bool DeferDelivery { get; init; }

    /// <summary>Called when the delivery loop fails to clear delivered alerts from the state store (they go out again).</summary>
    public Action<Exception>? DeliveryRoundFailed { get; init; }

    /// <summary>
    /// Keep every delivered alert in <see cref="LocalPipeline.Delivered"/> (a finite demo or replay reports them); an
    /// endless run keeps none, so its memory stays flat however many alerts it delivers.
    /// </summary>
    public bool KeepDelivered { get; init; } = true;

    /// <summary>The exporters asked for (<c>--metrics</c>, <c>--otlp-endpoint</c>, <c>--trace</c>); none by default.</summary>
    public TelemetryExportOptions Telemetry { get; init; } = new();

    /// <summary>Name of the run's meter and activity source; tests running side by side give each run its own.</summary>
    public string TelemetryName { get; init; } = PipelineTelemetry.Name;
}

/// <summary>
/// One in-process run (the CLI's): the ports <see cref="PipelineOptions"/> describe, built by the same <c>AddPipeline</c>
/// registration as the Function App's, and the <see cref="PartitionedProcessor"/> over them. Disposing flushes and
/// closes files.
/// </summary>
public sealed class LocalPipeline : IAsyncDisposable
{
    private readonly PipelineComponents _components;
    private AlertDeliveryLoop? _delivery;

    private LocalPipeline(PipelineComponents components, PipelineTelemetry telemetry, PipelineTelemetryExport export)
    {
        _components = components;
        Telemetry = telemetry;
        Export = export;
    }

    /// <summary>The run's metrics and traces (docs/observability.md); the health rules and the dashboard read them too.</summary>
    public PipelineTelemetry Telemetry { get; }

    /// <summary>The exporters the run's options asked for.</summary>
    public PipelineTelemetryExport Export { get; }

    /// <summary>Health rules over the run's own metrics, evaluated at every Sweep.</summary>
    public HealthMonitor Health { get; private set; } = null!;

    public PartitionedProcessor Ingress { get; private set; } = null!;

    /// <summary>Dead letters this run wrote to its JSON Lines file.</summary>
    public long DeadLettersWritten => (_components.DeadLetters as JsonLinesDeadLetterStore)?.Written ?? 0;

    /// <summary>Every alert delivered, in order, when <see cref="LocalRunOptions.KeepDelivered"/>; else empty.</summary>
    public List<AlertEvent> Delivered { get; } = [];

    /// <summary>The silences the run's notification gate reads (the Api manages them).</summary>
    public Pipeline.Core.Alerts.Silences.ISilenceStore Silences => _components.Silences;

    /// <summary>Where state lives, in words (a banner, the health answer).</summary>
    public static string DescribeState(PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.State.Kind == StateKind.Tables
            ? $"Azure Tables '{options.State.Table}' at {(options.State.TableServiceUri?.ToString() ?? "the connection string's account")}"
            : "memory";
    }

    /// <summary>One line per configured sink.</summary>
    public static IEnumerable<string> DescribeSinks(PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Alerts.Kinds.Select(kind => kind switch
        {
            AlertSinkKind.Jsonl => $"jsonl ({options.Alerts.Path})",
            AlertSinkKind.Webhook => $"webhook ({options.Alerts.WebhookUrl})",
            AlertSinkKind.EventGrid => $"eventgrid ({options.Alerts.TopicEndpoint})",
            _ => kind.ToString().ToLowerInvariant(),
        });
    }

    /// <summary>The ports; a failure is the factory's own exception, for the shell to tell in its own terms.</summary>
    /// <param name="httpHandler">Handler of outgoing HTTP (the webhook sink); null: the default sockets handler.</param>
    /// <param name="storageHandler">Handler of the storage clients' requests (--state tables); null: the SDK's own transport.</param>
    public static Task<PipelineComponents> CreateComponentsAsync(PipelineOptions options, TimeProvider time, HttpMessageHandler? httpHandler,
        CancellationToken cancellationToken, HttpMessageHandler? storageHandler = null)
    {
        ArgumentNullException.ThrowIfNull(options);

        // With no configured sink (the console alone) a memory sink stands in, unused, for the port.
        if (options.Alerts.Kinds.Count == 0)
        {
            options.Alerts.Kinds.Add(AlertSinkKind.Memory);
        }

        return CreateAsync(options, time, httpHandler, storageHandler, cancellationToken);
    }

    /// <summary>Retention at start (<see cref="PipelineOptions.Retention"/>) on the run's files, then the ports, then a metric history in Tables.</summary>
    private static async Task<PipelineComponents> CreateAsync(PipelineOptions options, TimeProvider time, HttpMessageHandler? httpHandler,
        HttpMessageHandler? storageHandler, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();

        // The alerts file before its sink opens it (the sink reads the ids already in it); an overwritten one needs none.
        if (options.Alerts.Kinds.Contains(AlertSinkKind.Jsonl) && options.Alerts.Append)
        {
            await JsonLinesAlertSink.PurgeFileAsync(options.Alerts.Path, now - options.Retention.AlertHistory, cancellationToken).ConfigureAwait(false);
        }

        var components = await PipelineComponentsFactory.CreateAsync(options, time, cancellationToken, httpHandler, storageHandler).ConfigureAwait(false);
        if (options.DeadLetters.Kind == DeadLetterKind.Jsonl)
        {
            await components.DeadLetters.PurgeAsync(now - options.Retention.DeadLetters, cancellationToken).ConfigureAwait(false);
        }

        // A history of its own (Tables) outlives runs; one in memory starts empty.
        if (options.MetricHistory.Kind == MetricHistoryKind.Tables)
        {
            await components.MetricHistory.PurgeAsync(now - options.Retention.MetricHistory, cancellationToken).ConfigureAwait(false);
        }

        return components;
    }

    /// <summary>The processor over <paramref name="components"/>, which the run owns from here on.</summary>
    /// <exception cref="InvalidOperationException">An exporter cannot start (the message says why); the components are disposed.</exception>
    public static LocalPipeline Create(RuleSet rules, PipelineComponents components, PipelineOptions options, LocalRunOptions run, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(rules);

        // The gate suppresses by the inhibitions of the rule set this run evaluates.
        components.Notifications.Activate(rules);

        // Stored state remembers the last sequence number applied per partition, so this run's numbers must start
        // above any earlier run's: start from the wall-clock time (in microseconds), which only grows between runs.
        var sequenceBase = options.State.Kind == StateKind.Tables ? time.GetUtcNow().ToUnixTimeMilliseconds() * 1000 : 0;
        var onlyFront = options.Alerts.Kinds.All(kind => kind == AlertSinkKind.Memory);
        var front = run.Front is null ? null : components.Notifications.Wrap(run.Front);
        IAlertSink sink = front is null ? components.Alerts
            : onlyFront ? front
            : new FanOutAlertSink([front, components.Alerts]);
        var telemetry = new PipelineTelemetry(time, run.TelemetryName);
        PipelineTelemetryExport exporters;
        try
        {
            exporters = PipelineTelemetryExport.Start(telemetry, run.Telemetry);
        }
        catch (InvalidOperationException)
        {
            telemetry.Dispose();
            components.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        var pipeline = new LocalPipeline(components, telemetry, exporters);
        pipeline.Health = new HealthMonitor(telemetry, sink, new HealthOptions { Environment = options.Environment });
        var delivered = pipeline.Delivered;
        pipeline.Ingress = new PartitionedProcessor(rules, PartitionedProcessor.ScopedStores(components.State, run.Partitions), sink, components.DeadLetters,
            new ProcessorOptions
            {
                Environment = options.Environment,
                History = run.History,

                // A local Sweep costs no storage transactions: release a quiet key's reorder buffer as soon as the
                // out-of-order tolerance has passed, as a person watching a local run expects.
                BufferIdleDelay = TimeSpan.Zero,
                DeferDelivery = run.DeferDelivery,
                Telemetry = telemetry,
            }, run.Parallel, sequenceBase)
        {
            Health = pipeline.Health,
            Delivered = alerts =>
            {
                // Silenced and inhibited transitions reach the live feed's history, marked, but were not delivered.
                var marked = components.Notifications.Mark(alerts);
                if (run.KeepDelivered)
                {
                    lock (delivered)
                    {
                        delivered.AddRange(marked.Where(a => a.Data.SuppressedBy is null));
                    }
                }

                run.Delivered?.Invoke(marked);
            },
            PublishStateChanged = run.PublishStateChanged,
        };
        if (run.DeferDelivery)
        {
            pipeline._delivery = new AlertDeliveryLoop(pipeline.Ingress, time, run.DeliveryRoundFailed);
            pipeline._delivery.Start();
        }

        return pipeline;
    }

    public async ValueTask DisposeAsync()
    {
        if (_delivery is not null)
        {
            await _delivery.DisposeAsync().ConfigureAwait(false);
        }

        Ingress?.Dispose();
        Export.Dispose();
        Telemetry.Dispose();
        await _components.DisposeAsync().ConfigureAwait(false);
    }
}
