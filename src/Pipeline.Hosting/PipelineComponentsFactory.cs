using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Options;
using Pipeline.Azure;
using Pipeline.Azure.EventHubs;
using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;
using Pipeline.Core.State;
using Pipeline.Local;

namespace Pipeline.Hosting;

/// <summary>Builds the ports <see cref="PipelineOptions"/> describe.</summary>
/// <param name="httpHandler">Handler of the webhook sink's requests (a test's); null: the default sockets handler.</param>
public sealed class PipelineComponentsFactory(IOptions<PipelineOptions> options, TimeProvider time, HttpMessageHandler? httpHandler = null)
{
    public Task<PipelineComponents> CreateAsync(CancellationToken cancellationToken) => CreateAsync(options.Value, time, cancellationToken, httpHandler);

    /// <param name="storageHandler">Handler of the storage clients' requests; null: the SDK's own transport.</param>
    public static async Task<PipelineComponents> CreateAsync(PipelineOptions options, TimeProvider time, CancellationToken cancellationToken,
        HttpMessageHandler? httpHandler = null, HttpMessageHandler? storageHandler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        PipelineConfiguration.ThrowIfInvalid(options);
        var rulesText = File.Exists(options.Rules.Path)
            ? await File.ReadAllTextAsync(options.Rules.Path, cancellationToken).ConfigureAwait(false)
            : throw new InvalidOperationException($"The rule file '{options.Rules.Path}' does not exist (Pipeline__Rules__Path).");

        // One credential for every Azure client, created only when a port needs it (memory/jsonl runs never do).
        var credential = new Lazy<TokenCredential>(() => AzureCredentials.Create(options.ClientId));
        var transport = storageHandler is null ? null : new HttpClientTransport(new HttpClient(storageHandler, disposeHandler: false));
        var owned = new List<object>();
        try
        {
            return await CreateAsync(options, time, rulesText, credential, transport, httpHandler, owned, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Files and clients opened before the failure are closed; the next invocation starts over.
            foreach (var resource in owned)
            {
                if (resource is IAsyncDisposable asyncDisposable)
                {
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                }
                else
                {
                    (resource as IDisposable)?.Dispose();
                }
            }

            throw;
        }
    }

    private static async Task<PipelineComponents> CreateAsync(PipelineOptions options, TimeProvider time, string rulesText,
        Lazy<TokenCredential> credential, HttpPipelineTransport? transport, HttpMessageHandler? httpHandler, List<object> owned, CancellationToken cancellationToken)
    {
        IStateStore state;
        IAlertHistory history;
        if (options.State.Kind == StateKind.Tables)
        {
            var tables = Storage(options, options.State.TableServiceUri, null, credential, transport).CreateTableServiceClient();
            var tableState = options.State.Table is { } table ? new TableStateStore(tables, table) : new TableStateStore(tables);
            await tableState.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
            state = tableState;
            if (options.State.History)
            {
                var tableHistory = new TableAlertHistory(tables);
                await tableHistory.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
                history = tableHistory;
            }
            else
            {
                history = new MemoryAlertHistory();
            }
        }
        else
        {
            state = new MemoryStateStore();
            history = new MemoryAlertHistory();
        }

        IDeadLetterStore deadLetters;
        switch (options.DeadLetters.Kind)
        {
            case DeadLetterKind.Jsonl:
                deadLetters = Own(owned, new JsonLinesDeadLetterStore(options.DeadLetters.Path));
                break;
            case DeadLetterKind.Tables:
                var tables = Storage(options, options.DeadLetters.TableServiceUri ?? options.State.TableServiceUri, null, credential, transport).CreateTableServiceClient();
                var tableDeadLetters = new TableDeadLetterStore(tables);
                await tableDeadLetters.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
                deadLetters = tableDeadLetters;
                break;
            default:
                deadLetters = new MemoryDeadLetterStore();
                break;
        }

        var sinks = new List<IAlertSink>();
        foreach (var kind in options.Alerts.Kinds)
        {
            sinks.Add(kind switch
            {
                AlertSinkKind.Jsonl => Own(owned, new JsonLinesAlertSink(options.Alerts.Path, options.Alerts.Append)),
                AlertSinkKind.Webhook => new WebhookAlertSink(Own(owned, WithTimeout(httpHandler is null ? new HttpClient() : new HttpClient(httpHandler, disposeHandler: false),
                        options.Alerts.Webhook.AttemptTimeout)),
                    options.Alerts.WebhookUrl!, options.Alerts.Webhook, time),
                AlertSinkKind.EventGrid => new EventGridAlertSink(options.Alerts.TopicEndpoint!, credential.Value),
                _ => new MemoryAlertSink(),
            });
        }

        IRuleStore rules;
        ISilenceStore silences;
        if (options.Rules.Kind == RulesKind.Blob)
        {
            var blobs = Storage(options, null, options.Rules.BlobServiceUri, credential, transport).CreateBlobServiceClient();
            var blobRules = BlobRuleStore.Create(blobs);
            await blobRules.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
            rules = blobRules;
            silences = BlobSilenceStore.Create(blobs);
        }
        else
        {
            rules = new MemoryRuleStore();
            silences = options.Rules.SilencesPath is { } silencesPath ? new JsonFileSilenceStore(silencesPath) : new MemorySilenceStore();
        }

        // Its timer starts here; a later failure of the start disposes it with the other owned resources.
        IMetricHistory metricHistory = new MemoryMetricHistory();
        if (options.MetricHistory.Kind == MetricHistoryKind.Tables)
        {
            var tables = Storage(options, options.MetricHistory.TableServiceUri ?? options.State.TableServiceUri, null, credential).CreateTableServiceClient();
            var tableMetricHistory = new TableMetricHistory(tables, new TableMetricHistoryOptions
            {
                Table = options.MetricHistory.Table,
                FlushInterval = options.MetricHistory.FlushInterval,
                ListCacheDuration = options.MetricHistory.ListCacheDuration,
            }, time);
            owned.Add(tableMetricHistory);
            await tableMetricHistory.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
            metricHistory = tableMetricHistory;
        }

        var notifications = new NotificationGating(silences, Inhibitions(rulesText), options.NotificationGate);

        // Alert history lives where state lives: the Api's alert list survives restarts exactly when state does.
        var components = new PipelineComponents
        {
            State = state,
            Alerts = notifications.Wrap(sinks.Count == 1 ? sinks[0] : new FanOutAlertSink(sinks)),
            DeadLetters = deadLetters,
            History = notifications.Wrap(history),
            Rules = rules,
            Notifications = notifications,
            MetricHistory = metricHistory,
            DefaultRulesText = rulesText,
            Environment = options.Environment,
            RulesRefreshInterval = options.Rules.RefreshInterval,
            Retention = options.Retention,
            RetentionInterval = options.RetentionInterval,
            Description = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["state"] = Name(options.State.Kind),
                ["history"] = Name(options.State.Kind),
                ["deadLetters"] = Name(options.DeadLetters.Kind),
                ["alerts"] = string.Join(",", options.Alerts.Kinds.Select(Name)),
                ["rules"] = Name(options.Rules.Kind),
                ["metricHistory"] = Name(options.MetricHistory.Kind),
                ["silences"] = silences switch { BlobSilenceStore => "blob", JsonFileSilenceStore => "file", _ => "memory" },
            },
        };
        foreach (var resource in owned)
        {
            components.Own(resource);
        }

        return components;
    }

    /// <summary>
    /// Where a hub reader keeps its positions: beside the state (a table STATEpositions) with table state, else in
    /// memory, so a restart starts over exactly when its state does.
    /// </summary>
    public static IPositionStore CreatePositionStore(PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.State.Kind != StateKind.Tables)
        {
            return new MemoryPositionStore();
        }

        var credential = new Lazy<TokenCredential>(() => AzureCredentials.Create(options.ClientId));
        var tables = Storage(options, options.State.TableServiceUri, null, credential).CreateTableServiceClient();
        return new TablePositionStore(tables, (options.State.Table ?? "state") + "positions");
    }

    /// <summary>
    /// The rule file's inhibitions until a shell activates the rule set it runs (<see cref="NotificationGating.Activate"/>).
    /// An invalid file, inhibitions included, is reported where the rules are loaded, which refuses to start.
    /// </summary>
    private static IReadOnlyList<InhibitionRule> Inhibitions(string rulesText) =>
        RuleSetLoader.Load(rulesText) is { Success: true, RuleSet: { } set } ? set.Inhibitions : [];

    private static string Name<TEnum>(TEnum kind)
        where TEnum : struct, Enum => kind.ToString().ToLowerInvariant();

    private static T Own<T>(List<object> owned, T resource)
        where T : notnull
    {
        owned.Add(resource);
        return resource;
    }

    /// <summary>Service URIs with the managed identity, or (local runs against Azurite only) a connection string.</summary>
    private static TableStorageOptions Storage(PipelineOptions options, Uri? tableUri, Uri? blobUri, Lazy<TokenCredential> credential,
        HttpPipelineTransport? transport = null) =>
        options.Storage.ConnectionString is { } connectionString
            ? new TableStorageOptions
            {
                ConnectionString = connectionString, MaxRetries = options.Storage.MaxRetries, MaxRetryDelay = options.Storage.MaxRetryDelay, Transport = transport,
            }
            : new TableStorageOptions
            {
                TableServiceUri = tableUri, BlobServiceUri = blobUri, Credential = credential.Value,
                MaxRetries = options.Storage.MaxRetries, MaxRetryDelay = options.Storage.MaxRetryDelay, Transport = transport,
            };

    /// <summary>A receiver that never answers fails the attempt after this long instead of the default 100 seconds.</summary>
    private static HttpClient WithTimeout(HttpClient client, TimeSpan timeout)
    {
        client.Timeout = timeout;
        return client;
    }
}
