using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Pipeline.Functions;

/// <summary>
/// The handler's app settings (<c>Pipeline__…</c> environment variables, read as the <c>Pipeline</c> section).
/// With <c>State:Kind=memory</c>, <c>Alerts:Kind=jsonl</c> and <c>DeadLetters:Kind=jsonl</c> nothing touches Azure.
/// </summary>
public sealed record PipelineSettings
{
    public const string Section = "Pipeline";

    /// <summary>Used in alert CloudEvent sources: <c>/pipeline/{environment}/rules/{ruleId}</c>.</summary>
    public string Environment { get; init; } = "local";

    /// <summary><c>memory</c> or <c>tables</c>.</summary>
    public string StateKind { get; init; } = "memory";

    public string? StateTableServiceUri { get; init; }

    /// <summary><c>jsonl</c>, <c>memory</c>, <c>eventgrid</c> or <c>webhook</c>; several separated by commas publish to each.</summary>
    public string AlertsKind { get; init; } = "jsonl";

    public string AlertsPath { get; init; } = "alerts.jsonl";

    public string? AlertsTopicEndpoint { get; init; }

    public string? AlertsWebhookUrl { get; init; }

    /// <summary><c>jsonl</c>, <c>memory</c> or <c>tables</c>.</summary>
    public string DeadLettersKind { get; init; } = "jsonl";

    public string DeadLettersPath { get; init; } = "dead-letters.jsonl";

    public string? DeadLettersTableServiceUri { get; init; }

    /// <summary><c>file</c> (the rule file, replaced in memory by <c>PUT /api/rules</c>) or <c>blob</c> (shared by all instances).</summary>
    public string RulesKind { get; init; } = "file";

    /// <summary>The rule file; also the seed of an empty blob rule store. Default: the copy of samples/rules.yaml shipped with the app.</summary>
    public string RulesPath { get; init; } = System.IO.Path.Combine(AppContext.BaseDirectory, "rules.yaml");

    public string? RulesBlobServiceUri { get; init; }

    public TimeSpan RulesRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A storage connection string for local runs against Azurite (which has no Entra ID over HTTP); in Azure leave it unset.</summary>
    public string? StorageConnectionString { get; init; }

    /// <summary>Client id of the user-assigned managed identity (<c>AZURE_CLIENT_ID</c>).</summary>
    public string? ClientId { get; init; }

    public static PipelineSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        var defaults = new PipelineSettings();
        string Get(string key, string fallback) => section[key] is { Length: > 0 } value ? value : fallback;
        string? Optional(string key) => section[key] is { Length: > 0 } value ? value : null;
        var refresh = defaults.RulesRefreshInterval;
        if (Optional("Rules:RefreshSeconds") is { } seconds)
        {
            refresh = double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0
                ? TimeSpan.FromSeconds(s)
                : throw new InvalidOperationException($"{Section}__Rules__RefreshSeconds must be a number of seconds, not '{seconds}'.");
        }

        return new PipelineSettings
        {
            Environment = Get("Environment", defaults.Environment),
            StateKind = Get("State:Kind", defaults.StateKind).ToLowerInvariant(),
            StateTableServiceUri = Optional("State:TableServiceUri"),
            AlertsKind = Get("Alerts:Kind", defaults.AlertsKind).ToLowerInvariant(),
            AlertsPath = Get("Alerts:Path", defaults.AlertsPath),
            AlertsTopicEndpoint = Optional("Alerts:TopicEndpoint"),
            AlertsWebhookUrl = Optional("Alerts:WebhookUrl"),
            DeadLettersKind = Get("DeadLetters:Kind", defaults.DeadLettersKind).ToLowerInvariant(),
            DeadLettersPath = Get("DeadLetters:Path", defaults.DeadLettersPath),
            DeadLettersTableServiceUri = Optional("DeadLetters:TableServiceUri"),
            RulesKind = Get("Rules:Kind", defaults.RulesKind).ToLowerInvariant(),
            RulesPath = Get("Rules:Path", defaults.RulesPath),
            RulesBlobServiceUri = Optional("Rules:BlobServiceUri"),
            RulesRefreshInterval = refresh,
            StorageConnectionString = Optional("Storage:ConnectionString"),
            ClientId = Optional("ClientId") ?? (configuration["AZURE_CLIENT_ID"] is { Length: > 0 } id ? id : null),
        };
    }
}
