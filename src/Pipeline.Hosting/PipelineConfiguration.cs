using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.State;

namespace Pipeline.Hosting;

/// <summary>
/// Reads <see cref="PipelineOptions"/> from configuration and checks them. Errors name the setting as an app setting
/// (<c>Pipeline__State__Kind</c>), the form in which it is set in Azure and in local.settings.json.
/// </summary>
public static class PipelineConfiguration
{
    // Each decision costs a few hundred bytes: ten million is already gigabytes.
    private const int MaxGateDecisions = 10_000_000;

    /// <summary>The options the configuration describes; wrong values are reported by <see cref="Validate"/>.</summary>
    public static PipelineOptions Read(IConfiguration configuration)
    {
        var options = new PipelineOptions();
        Bind(configuration, options);
        return options;
    }

    /// <summary>Every problem of the options, each naming its setting; empty when they can be used.</summary>
    public static IReadOnlyList<string> Validate(PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>(options.Problems);
        var connection = options.Storage.ConnectionString is not null;
        if (!connection && options.State.Kind == StateKind.Tables && options.State.TableServiceUri is null)
        {
            errors.Add(Missing("State__TableServiceUri", "the storage account's table endpoint"));
        }

        if (!connection && options.DeadLetters.Kind == DeadLetterKind.Tables && (options.DeadLetters.TableServiceUri ?? options.State.TableServiceUri) is null)
        {
            errors.Add(Missing("DeadLetters__TableServiceUri", "the storage account's table endpoint"));
        }

        if (!connection && options.MetricHistory.Kind == MetricHistoryKind.Tables && (options.MetricHistory.TableServiceUri ?? options.State.TableServiceUri) is null)
        {
            errors.Add(Missing("MetricHistory__TableServiceUri", "the storage account's table endpoint"));
        }

        if (options.State.Table is { } stateTable && StateOptions.TableNameProblem(stateTable) is { } tableProblem)
        {
            errors.Add($"{Setting("State:Table")} {tableProblem}, not '{stateTable}'.");
        }

        var table = options.MetricHistory.Table;
        if (table.Length is < 3 or > 63 || !char.IsAsciiLetter(table[0]) || !table.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add($"{Setting("MetricHistory:Table")} must be a table name (3 to 63 letters and digits, starting with a letter), not '{table}'.");
        }

        if (options.MetricHistory.FlushInterval != TimeSpan.Zero
            && (options.MetricHistory.FlushInterval < TimeSpan.FromSeconds(1) || options.MetricHistory.FlushInterval > TimeSpan.FromHours(1)))
        {
            errors.Add($"{Setting("MetricHistory:FlushInterval")} must be zero (no timer) or from 00:00:01 to 01:00:00, got {options.MetricHistory.FlushInterval}.");
        }

        if (options.MetricHistory.ListCacheDuration < TimeSpan.Zero || options.MetricHistory.ListCacheDuration > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{Setting("MetricHistory:ListCacheDuration")} must be from 00:00:00 to 00:05:00, got {options.MetricHistory.ListCacheDuration}.");
        }

        if (!connection && options.Rules.Kind == RulesKind.Blob && options.Rules.BlobServiceUri is null)
        {
            errors.Add(Missing("Rules__BlobServiceUri", "the storage account's blob endpoint"));
        }

        // An unknown kind is already named; an empty list is worth its own error only when nothing was named.
        if (options.Alerts.Kinds.Count == 0 && !errors.Exists(e => e.StartsWith(Setting("Alerts:Kind"), StringComparison.Ordinal)))
        {
            errors.Add($"{PipelineOptions.Section}__Alerts__Kind names no sink.");
        }

        if (options.Alerts.Kinds.Contains(AlertSinkKind.Webhook) && options.Alerts.WebhookUrl is null)
        {
            errors.Add(Missing("Alerts__WebhookUrl", "the CloudEvents webhook URL"));
        }

        if (options.Alerts.Kinds.Contains(AlertSinkKind.EventGrid) && options.Alerts.TopicEndpoint is null)
        {
            errors.Add(Missing("Alerts__TopicEndpoint", "the Event Grid topic endpoint"));
        }

        errors.AddRange(options.Retention.Validate());
        if (options.RetentionInterval < TimeSpan.FromMinutes(1))
        {
            errors.Add($"{Setting("Retention:Interval")} must be at least 1 minute (a duration like 01:00:00 for an hour), got {options.RetentionInterval}.");
        }

        foreach (var (key, value) in new[]
        {
            ("NotificationGate:MaxOpenDecisions", options.NotificationGate.MaxOpenDecisions),
            ("NotificationGate:ClosedDecisionsKept", options.NotificationGate.ClosedDecisionsKept),
            ("NotificationGate:MaxSeededFiring", options.NotificationGate.MaxSeededFiring),
        })
        {
            if (value is < 1 or > MaxGateDecisions)
            {
                errors.Add($"{Setting(key)} must be from 1 to {MaxGateDecisions}, got {value}.");
            }
        }

        return errors;
    }

    /// <summary>Throws the problems of the options, each naming its setting.</summary>
    public static void ThrowIfInvalid(PipelineOptions options)
    {
        var errors = Validate(options);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", errors));
        }
    }

    /// <summary>The lower-case names a kind setting accepts, in declaration order.</summary>
    public static string Names<TEnum>()
        where TEnum : struct, Enum => string.Join(", ", Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()));

    internal static void Bind(IConfiguration configuration, PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        var section = configuration.GetSection(PipelineOptions.Section);
        string? Get(string key) => section[key] is { Length: > 0 } value ? value.Trim() : null;
        Uri? Absolute(string key, string what)
        {
            var value = Get(key);
            if (value is null)
            {
                return null;
            }

            if (Uri.TryCreate(value, UriKind.Absolute, out var uri))
            {
                return uri;
            }

            options.Problems.Add($"{Setting(key)} must be {what} (an absolute URI), not '{value}'.");
            return null;
        }

        options.Environment = Get("Environment") ?? options.Environment;
        options.State.Kind = Kind("State:Kind", Get("State:Kind"), options.State.Kind, options.Problems);
        options.State.TableServiceUri = Absolute("State:TableServiceUri", "the storage account's table endpoint");
        if (Get("Alerts:Kind") is { } sinks)
        {
            options.Alerts.Kinds.Clear();
            foreach (var kind in sinks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (TryParse<AlertSinkKind>(kind, out var parsed))
                {
                    options.Alerts.Kinds.Add(parsed);
                }
                else
                {
                    options.Problems.Add(Unknown<AlertSinkKind>("Alerts:Kind", kind));
                }
            }
        }

        options.Alerts.Path = Get("Alerts:Path") ?? options.Alerts.Path;
        options.Alerts.TopicEndpoint = Absolute("Alerts:TopicEndpoint", "the Event Grid topic endpoint");
        options.Alerts.WebhookUrl = Absolute("Alerts:WebhookUrl", "the CloudEvents webhook URL");
        options.DeadLetters.Kind = Kind("DeadLetters:Kind", Get("DeadLetters:Kind"), options.DeadLetters.Kind, options.Problems);
        options.DeadLetters.Path = Get("DeadLetters:Path") ?? options.DeadLetters.Path;
        options.DeadLetters.TableServiceUri = Absolute("DeadLetters:TableServiceUri", "the storage account's table endpoint");
        options.Rules.Kind = Kind("Rules:Kind", Get("Rules:Kind"), options.Rules.Kind, options.Problems);
        options.Rules.Path = Get("Rules:Path") ?? options.Rules.Path;
        options.Rules.BlobServiceUri = Absolute("Rules:BlobServiceUri", "the storage account's blob endpoint");
        options.Rules.SilencesPath = Get("Rules:SilencesPath") ?? options.Rules.SilencesPath;
        if (Get("Rules:RefreshSeconds") is { } seconds)
        {
            if (double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0)
            {
                options.Rules.RefreshInterval = TimeSpan.FromSeconds(s);
            }
            else
            {
                options.Problems.Add($"{Setting("Rules:RefreshSeconds")} must be a number of seconds, not '{seconds}'.");
            }
        }

        options.Storage.ConnectionString = Get("Storage:ConnectionString");
        TimeSpan? Duration(string key)
        {
            if (Get(key) is not { } text)
            {
                return null;
            }

            if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            options.Problems.Add($"{Setting(key)} must be a duration like 30.00:00:00 (30 days), not '{text}'.");
            return null;
        }

        options.Retention = new RetentionOptions
        {
            AlertHistory = Duration("Retention:AlertHistory") ?? options.Retention.AlertHistory,
            ClosedEpisodes = Duration("Retention:ClosedEpisodes") ?? options.Retention.ClosedEpisodes,
            DeadLetters = Duration("Retention:DeadLetters") ?? options.Retention.DeadLetters,
            MetricHistory = Duration("Retention:MetricHistory") ?? options.Retention.MetricHistory,
        };
        options.RetentionInterval = Duration("Retention:Interval") ?? options.RetentionInterval;
        options.MetricHistory.Kind = Kind("MetricHistory:Kind", Get("MetricHistory:Kind"), options.MetricHistory.Kind, options.Problems);
        options.MetricHistory.TableServiceUri = Absolute("MetricHistory:TableServiceUri", "the storage account's table endpoint");
        options.MetricHistory.Table = Get("MetricHistory:Table") ?? options.MetricHistory.Table;
        options.MetricHistory.FlushInterval = Duration("MetricHistory:FlushInterval") ?? options.MetricHistory.FlushInterval;
        options.MetricHistory.ListCacheDuration = Duration("MetricHistory:ListCacheDuration") ?? options.MetricHistory.ListCacheDuration;
        int? Count(string key)
        {
            if (Get(key) is not { } text)
            {
                return null;
            }

            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            options.Problems.Add($"{Setting(key)} must be a whole number, not '{text}'.");
            return null;
        }

        options.NotificationGate = new NotificationGateOptions
        {
            MaxOpenDecisions = Count("NotificationGate:MaxOpenDecisions") ?? options.NotificationGate.MaxOpenDecisions,
            ClosedDecisionsKept = Count("NotificationGate:ClosedDecisionsKept") ?? options.NotificationGate.ClosedDecisionsKept,
            MaxSeededFiring = Count("NotificationGate:MaxSeededFiring") ?? options.NotificationGate.MaxSeededFiring,
        };
        options.ClientId = Get("ClientId") ?? (configuration["AZURE_CLIENT_ID"] is { Length: > 0 } id ? id : null);
    }

    private static TEnum Kind<TEnum>(string key, string? value, TEnum fallback, List<string> problems)
        where TEnum : struct, Enum
    {
        if (value is null)
        {
            return fallback;
        }

        if (TryParse<TEnum>(value, out var parsed))
        {
            return parsed;
        }

        problems.Add(Unknown<TEnum>(key, value));
        return fallback;
    }

    // Names only: a number would parse as an enum value, and 'memory ' or 'Tables' are what people type.
    private static bool TryParse<TEnum>(string value, out TEnum parsed)
        where TEnum : struct, Enum =>
        Enum.TryParse(value, ignoreCase: true, out parsed) && Enum.IsDefined(parsed) && !char.IsAsciiDigit(value[0]);

    private static string Unknown<TEnum>(string key, string value)
        where TEnum : struct, Enum => $"{Setting(key)} '{value}' is not one of: {Names<TEnum>()}.";

    private static string Missing(string setting, string what) =>
        $"{PipelineOptions.Section}__{setting} must be {what} (an absolute URI), not ''.";

    private static string Setting(string key) => PipelineOptions.Section + "__" + key.Replace(":", "__", StringComparison.Ordinal);
}

/// <summary>Fails the host's start with every problem of the options.</summary>
internal sealed class PipelineOptionsValidator : IValidateOptions<PipelineOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelineOptions options)
    {
        var errors = PipelineConfiguration.Validate(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
