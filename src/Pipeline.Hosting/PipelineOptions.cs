using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.State;
using Pipeline.Local;

namespace Pipeline.Hosting;

/// <summary>Where per-key state (and the alert history beside it) is kept.</summary>
public enum StateKind
{
    Memory,
    Tables,
}

/// <summary>Where alerts are delivered; several fan out.</summary>
public enum AlertSinkKind
{
    Jsonl,
    Memory,
    EventGrid,
    Webhook,
}

/// <summary>Where events that cannot be applied are kept.</summary>
public enum DeadLetterKind
{
    Jsonl,
    Memory,
    Tables,
}

/// <summary>Where the dashboard's metric history (chart buckets, fleet status) is kept.</summary>
public enum MetricHistoryKind
{
    /// <summary>In this instance's memory: it lists the devices it processed, until it restarts.</summary>
    Memory,

    /// <summary>A table every instance writes and reads, so each lists the whole fleet.</summary>
    Tables,
}

/// <summary>Where the active rules live.</summary>
public enum RulesKind
{
    /// <summary>The rule file, replaced in memory by <c>PUT /api/rules</c>.</summary>
    File,

    /// <summary>A blob shared by all instances, seeded from the rule file.</summary>
    Blob,
}

/// <summary>
/// The pipeline's settings, the configuration section <c>Pipeline</c> (app settings <c>Pipeline__State__Kind</c>, …).
/// With memory state and JSON Lines alerts and dead letters nothing touches Azure.
/// </summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>Used in alert CloudEvent sources: <c>/pipeline/{environment}/rules/{ruleId}</c>.</summary>
    public string Environment { get; set; } = "local";

    public StateOptions State { get; } = new();

    public AlertOptions Alerts { get; } = new();

    public DeadLetterOptions DeadLetters { get; } = new();

    public RulesOptions Rules { get; } = new();

    public StorageOptions Storage { get; } = new();

    /// <summary>The dashboard's metric history (section <c>Pipeline:MetricHistory</c>).</summary>
    public MetricHistorySettings MetricHistory { get; } = new();

    /// <summary>How long alert history, closed episodes, dead letters and silent devices' metric history are kept (section <c>Pipeline:Retention</c>).</summary>
    public RetentionOptions Retention { get; set; } = new();

    /// <summary>How often the Function App's Sweep applies <see cref="Retention"/> (<c>Pipeline:Retention:Interval</c>).</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>What the notification gate remembers (section <c>Pipeline:NotificationGate</c>).</summary>
    public NotificationGateOptions NotificationGate { get; set; } = new();

    /// <summary>Client id of the user-assigned managed identity (<c>AZURE_CLIENT_ID</c>).</summary>
    public string? ClientId { get; set; }

    /// <summary>Values the configuration held that are not what their setting accepts, each naming the setting.</summary>
    internal List<string> Problems { get; } = [];
}

public sealed class StateOptions
{
    public StateKind Kind { get; set; } = StateKind.Memory;

    public Uri? TableServiceUri { get; set; }

    /// <summary>Table of per-key state (each key's deadline is a property of its row). Default: <c>state</c>.</summary>
    public string? Table { get; set; }

    /// <summary>Whether alert history is kept beside the state (the Api's alert list); with it off the history is in memory and no history table is made.</summary>
    public bool History { get; set; } = true;

    /// <summary>What is wrong with <paramref name="table"/> as the name of <see cref="Table"/>, in words a message can follow the name with; null when it is one.</summary>
    public static string? TableNameProblem(string table)
    {
        ArgumentNullException.ThrowIfNull(table);

        // Azure table names: letters and digits, 3 to 63; the hub reader's positions table adds "positions" (9) to this one.
        return table.Length is < 3 or > 54 || !char.IsAsciiLetter(table[0]) || !table.All(char.IsAsciiLetterOrDigit)
            ? "must be 3 to 54 letters and digits, starting with a letter (NAMEpositions must fit Azure's 63)"
            : null;
    }
}

public sealed class AlertOptions
{
    public IList<AlertSinkKind> Kinds { get; } = [AlertSinkKind.Jsonl];

    public string Path { get; set; } = "alerts.jsonl";

    /// <summary>Whether the JSON Lines alert file is appended to (the default) or overwritten.</summary>
    public bool Append { get; set; } = true;

    public Uri? TopicEndpoint { get; set; }

    public Uri? WebhookUrl { get; set; }

    /// <summary>Attempts and backoff of the webhook sink.</summary>
    public WebhookAlertSinkOptions Webhook { get; set; } = new();
}

public sealed class DeadLetterOptions
{
    public DeadLetterKind Kind { get; set; } = DeadLetterKind.Jsonl;

    public string Path { get; set; } = "dead-letters.jsonl";

    /// <summary>Defaults to the state's table endpoint.</summary>
    public Uri? TableServiceUri { get; set; }
}

public sealed class RulesOptions
{
    public RulesKind Kind { get; set; } = RulesKind.File;

    /// <summary>The rule file; also the seed of an empty blob rule store. Default: the copy shipped with the app.</summary>
    public string Path { get; set; } = System.IO.Path.Combine(AppContext.BaseDirectory, "rules.yaml");

    public Uri? BlobServiceUri { get; set; }

    /// <summary>The JSON file of silences when the rules are a file; null keeps them in memory. With blob rules they are the blob <c>rules/silences.json</c>.</summary>
    public string? SilencesPath { get; set; }

    /// <summary>How often invocations check the rule store for rules another instance activated; zero never does.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class MetricHistorySettings
{
    public MetricHistoryKind Kind { get; set; } = MetricHistoryKind.Memory;

    /// <summary>Defaults to the state's table endpoint.</summary>
    public Uri? TableServiceUri { get; set; }

    /// <summary>The table of per-device history rows.</summary>
    public string Table { get; set; } = Pipeline.Azure.TableMetricHistoryOptions.DefaultTable;

    /// <summary>How often dirty devices are written in the background; zero leaves it to the Function App's Sweep (every 30 s).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one listing of the table answers the fleet view; zero lists it for every request.</summary>
    public TimeSpan ListCacheDuration { get; set; } = TimeSpan.FromSeconds(5);
}

public sealed class StorageOptions
{
    /// <summary>A storage connection string for local runs against Azurite (which has no Entra ID over HTTP); in Azure leave it unset.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Retries of a storage request; a person at a terminal wants to hear about a missing emulator sooner than a host does.</summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>Longest wait between storage retries.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);
}
