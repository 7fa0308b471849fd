using Pipeline.Core.Alerts;
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
}

/// <summary>
/// One in-process run (the CLI's): the ports <see cref="PipelineOptions"/> describe, built by the same <c>AddPipeline</c>
/// registration as the Function App's, and the <see cref="PartitionedProcessor"/> over them. Disposing flushes and
/// closes files.
/// </summary>
public sealed class LocalPipeline : IAsyncDisposable
{
    private readonly PipelineComponents _components;

    private LocalPipeline(PipelineComponents components) => _components = components;

    public PartitionedProcessor Ingress { get; private set; } = null!;

    /// <summary>Dead letters this run wrote to its JSON Lines file.</summary>
    public long DeadLettersWritten => (_components.DeadLetters as JsonLinesDeadLetterStore)?.Written ?? 0;

    /// <summary>Every alert delivered, in order.</summary>
    public List<AlertEvent> Delivered { get; } = [];

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
    public static Task<PipelineComponents> CreateComponentsAsync(PipelineOptions options, TimeProvider time, HttpMessageHandler? httpHandler,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);

        // With no configured sink (the console alone) a memory sink stands in, unused, for the port.
        if (options.Alerts.Kinds.Count == 0)
        {
            options.Alerts.Kinds.Add(AlertSinkKind.Memory);
        }

        return PipelineComponentsFactory.CreateAsync(options, time, cancellationToken, httpHandler);
    }

    /// <summary>The processor over <paramref name="components"/>, which the run owns from here on.</summary>
    public static LocalPipeline Create(RuleSet rules, PipelineComponents components, PipelineOptions options, LocalRunOptions run, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(time);

        // Stored state remembers the last sequence number applied per partition, so this run's numbers must start
        // above any earlier run's: start from the wall-clock time (in microseconds), which only grows between runs.
        var sequenceBase = options.State.Kind == StateKind.Tables ? time.GetUtcNow().ToUnixTimeMilliseconds() * 1000 : 0;
        var onlyFront = options.Alerts.Kinds.All(kind => kind == AlertSinkKind.Memory);
        IAlertSink sink = run.Front is null ? components.Alerts
            : onlyFront ? run.Front
            : new FanOutAlertSink([run.Front, components.Alerts]);
        var pipeline = new LocalPipeline(components);
        var delivered = pipeline.Delivered;
        pipeline.Ingress = new PartitionedProcessor(rules, PartitionedProcessor.ScopedStores(components.State, run.Partitions), sink, components.DeadLetters,
            new ProcessorOptions
            {
                Environment = options.Environment,
                History = run.History,

                // A local Sweep costs no storage transactions: release a quiet key's reorder buffer as soon as the
                // out-of-order tolerance has passed, as a person watching a local run expects.
                BufferIdleDelay = TimeSpan.Zero,
            }, run.Parallel, sequenceBase)
        {
            Delivered = alerts =>
            {
                lock (delivered)
                {
                    delivered.AddRange(alerts);
                }

                run.Delivered?.Invoke(alerts);
            },
            PublishStateChanged = run.PublishStateChanged,
        };
        return pipeline;
    }

    public async ValueTask DisposeAsync()
    {
        Ingress?.Dispose();
        await _components.DisposeAsync().ConfigureAwait(false);
    }
}
