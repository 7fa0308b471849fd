using Azure.Core;
using Pipeline.Azure;
using Pipeline.Core.Alerts;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Local;

namespace Pipeline.Functions;

/// <summary>Builds the handler's ports from <see cref="PipelineSettings"/>.</summary>
public static class ComponentFactory
{
    public static async Task<PipelineComponents> CreateAsync(PipelineSettings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        var rulesText = File.Exists(settings.RulesPath)
            ? await File.ReadAllTextAsync(settings.RulesPath, cancellationToken).ConfigureAwait(false)
            : throw new InvalidOperationException($"The rule file '{settings.RulesPath}' does not exist (Pipeline__Rules__Path).");

        // One credential for every Azure client, created only when a port needs it (memory/jsonl runs never do).
        var credential = new Lazy<TokenCredential>(() => AzureCredentials.Create(settings.ClientId));
        var owned = new List<object>();
        try
        {
            return await CreateAsync(settings, time, rulesText, credential, owned, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Files and clients opened before the failure are closed; the next invocation starts over.
            foreach (var resource in owned)
            {
                (resource as IDisposable)?.Dispose();
            }

            throw;
        }
    }

    private static async Task<PipelineComponents> CreateAsync(PipelineSettings settings, TimeProvider time, string rulesText,
        Lazy<TokenCredential> credential, List<object> owned, CancellationToken cancellationToken)
    {
        var description = new Dictionary<string, string>(StringComparer.Ordinal);

        IStateStore state;
        IAlertHistory history;
        switch (settings.StateKind)
        {
            case "memory":
                state = new MemoryStateStore();
                history = new MemoryAlertHistory();
                break;
            case "tables":
                var tables = Storage(settings, settings.StateTableServiceUri, "State", null, credential).CreateTableServiceClient();
                var tableState = new TableStateStore(tables);
                var tableHistory = new TableAlertHistory(tables);
                await tableState.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
                await tableHistory.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
                state = tableState;
                history = tableHistory;
                break;
            default:
                throw Unknown("State", settings.StateKind, "memory, tables");
        }

        // Alert history lives where state lives: the Api's alert list survives restarts exactly when state does.
        description["state"] = settings.StateKind;
        description["history"] = settings.StateKind;

        IDeadLetterStore deadLetters;
        switch (settings.DeadLettersKind)
        {
            case "jsonl":
                var jsonLetters = new JsonLinesDeadLetterStore(settings.DeadLettersPath);
                owned.Add(jsonLetters);
                deadLetters = jsonLetters;
                break;
            case "memory":
                deadLetters = new MemoryDeadLetterStore();
                break;
            case "tables":
                var tables = Storage(settings, settings.DeadLettersTableServiceUri ?? settings.StateTableServiceUri, "DeadLetters", null, credential)
                    .CreateTableServiceClient();
                var tableDeadLetters = new TableDeadLetterStore(tables);
                await tableDeadLetters.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
                deadLetters = tableDeadLetters;
                break;
            default:
                throw Unknown("DeadLetters", settings.DeadLettersKind, "jsonl, memory, tables");
        }

        description["deadLetters"] = settings.DeadLettersKind;

        var sinks = new List<IAlertSink>();
        foreach (var kind in settings.AlertsKind.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            sinks.Add(kind switch
            {
                "jsonl" => Own(owned, new JsonLinesAlertSink(settings.AlertsPath)),
                "memory" => new MemoryAlertSink(),
                "webhook" => new WebhookAlertSink(Own(owned, new HttpClient()),
                    Absolute(settings.AlertsWebhookUrl, "Pipeline__Alerts__WebhookUrl", "the CloudEvents webhook URL"), timeProvider: time),
                "eventgrid" => new EventGridAlertSink(
                    Absolute(settings.AlertsTopicEndpoint, "Pipeline__Alerts__TopicEndpoint", "the Event Grid topic endpoint"), credential.Value),
                _ => throw Unknown("Alerts", kind, "jsonl, memory, eventgrid, webhook"),
            });
        }

        var alerts = sinks.Count switch
        {
            0 => throw new InvalidOperationException("Pipeline__Alerts__Kind names no sink."),
            1 => sinks[0],
            _ => new FanOutAlertSink(sinks),
        };
        description["alerts"] = settings.AlertsKind;

        IRuleStore rules;
        switch (settings.RulesKind)
        {
            case "file":
                rules = new MemoryRuleStore();
                break;
            case "blob":
                var blobs = Storage(settings, null, "Rules", settings.RulesBlobServiceUri, credential).CreateBlobServiceClient();
                var blobRules = BlobRuleStore.Create(blobs);
                await blobRules.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
                rules = blobRules;
                break;
            default:
                throw Unknown("Rules", settings.RulesKind, "file, blob");
        }

        description["rules"] = settings.RulesKind;

        var components = new PipelineComponents
        {
            State = state,
            Alerts = alerts,
            DeadLetters = deadLetters,
            History = history,
            Rules = rules,
            DefaultRulesText = rulesText,
            Environment = settings.Environment,
            RulesRefreshInterval = settings.RulesRefreshInterval,
            Description = description,
        };
        foreach (var resource in owned)
        {
            components.Own(resource);
        }

        return components;
    }

    private static T Own<T>(List<object> owned, T resource)
        where T : notnull
    {
        owned.Add(resource);
        return resource;
    }

    /// <summary>Service URIs with the managed identity, or (local runs against Azurite only) a connection string.</summary>
    private static TableStorageOptions Storage(PipelineSettings settings, string? tableUri, string setting, string? blobUri, Lazy<TokenCredential> credential)
    {
        if (settings.StorageConnectionString is { } connectionString)
        {
            return new TableStorageOptions { ConnectionString = connectionString };
        }

        return new TableStorageOptions
        {
            TableServiceUri = tableUri is null && blobUri is not null ? null
                : Absolute(tableUri, $"Pipeline__{setting}__TableServiceUri", "the storage account's table endpoint"),
            BlobServiceUri = blobUri is null ? null : Absolute(blobUri, $"Pipeline__{setting}__BlobServiceUri", "the storage account's blob endpoint"),
            Credential = credential.Value,
        };
    }

    private static Uri Absolute(string? value, string setting, string what) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
            ? uri
            : throw new InvalidOperationException($"{setting} must be {what} (an absolute URI), not '{value}'.");

    private static InvalidOperationException Unknown(string setting, string kind, string known) =>
        new($"Pipeline__{setting}__Kind '{kind}' is not one of: {known}.");
}
