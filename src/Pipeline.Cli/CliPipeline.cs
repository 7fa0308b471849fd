using Pipeline.Core.Rules;
using Pipeline.Hosting;
using Pipeline.Hosting.Live;

namespace Pipeline.Cli;

/// <summary>What <c>run</c>, <c>demo</c> and <c>replay</c> share: the rule file, the ports' options, the partitions.</summary>
internal class LocalRunSettings
{
    public string? Rules { get; set; }

    /// <summary>The options every command starts from; the command's flags set the rest.</summary>
    public PipelineOptions Pipeline { get; } = CliPipeline.Options();

    public int Partitions { get; set; } = 1;
}

/// <summary>
/// The commands' side of a local run: <see cref="PipelineOptions"/> with the CLI's defaults, the flags every local run
/// has, and the ports' failures told in the flags' terms. The run itself is Pipeline.Hosting's <see cref="LocalPipeline"/>.
/// </summary>
internal static class CliPipeline
{
    public static PipelineOptions Options()
    {
        var o = new PipelineOptions();
        o.Rules.Path = string.Empty;
        o.State.History = false; // the CLI has no alert list to serve
        o.State.Table = "clistate";

        // Fewer, shorter retries than the Function App's: a person at a terminal should hear about a missing emulator in seconds.
        o.Storage.MaxRetries = 3;
        o.Storage.MaxRetryDelay = TimeSpan.FromSeconds(2);
        o.Alerts.Kinds.Clear();
        o.DeadLetters.Kind = DeadLetterKind.Memory;
        return o;
    }

    /// <summary>The flags of every local run; <paramref name="outHelp"/> says whether the alert file is appended to or overwritten.</summary>
    public static FlagTable<T> LocalRunFlags<T>(this FlagTable<T> flags, string outHelp)
        where T : LocalRunSettings, new() => flags
        .Text("--rules", $"Rule file, YAML or JSON (default {RulesFile.DefaultPath}, else the copy shipped with the program)", "FILE", (s, v) => s.Rules = v)
        .Text("--out", outHelp + " (default alerts.jsonl)", "FILE", (s, v) => s.Pipeline.Alerts.Path = v)
        .Int("--partitions", "Virtual partitions (one processor each, keys routed by hash; default 1)", 1, 256, (s, v) => s.Partitions = v);

    /// <summary>The flags of the runs that read input, which can be rejected.</summary>
    public static FlagTable<T> InputFlags<T>(this FlagTable<T> flags)
        where T : LocalRunSettings, new() => flags
        .Text("--dead-letters", "JSON Lines file that keeps rejected input (default dead-letters.jsonl)", "FILE", (s, v) => s.Pipeline.DeadLetters.Path = v)
        .Text("--environment", "Environment name in alert sources /pipeline/{environment}/rules/{ruleId} (default local)", "NAME", (s, v) => s.Pipeline.Environment = v);

    public static async Task<LocalPipeline> CreateAsync(RuleSet rules, PipelineOptions options, LocalRunOptions run, CliIo io,
        CancellationToken cancellationToken)
    {
        options.Rules.SilencesPath ??= io.Context.SilencesPath;
        var components = await CreateComponentsAsync(options, io, cancellationToken).ConfigureAwait(false);
        try
        {
            return LocalPipeline.Create(rules, components, options, run with
            {
                TelemetryName = io.Context.TelemetryName,
                PublishStateChanged = error => io.Stderr.WriteLine(error is null
                    ? "pipeline: alert delivery works again; waiting alerts were delivered"
                    : $"pipeline: alert delivery failed, alerts kept in the outbox and retried: {error}"),
            }, io.Context.Time);
        }
        catch (InvalidOperationException ex)
        {
            // An exporter that cannot start (--otlp-endpoint, --metrics): the message names it.
            throw new UserErrorException(ex.Message, ex);
        }
    }

    /// <summary>A local server's port that cannot be listened on, with the flag that chooses another.</summary>
    public static UserErrorException PortUnavailable(PortUnavailableException ex) => new($"{ex.Message} (choose another port with --http-port)", ex);

    /// <summary>Awaits the start of a local server (or of a run that serves one), telling an unavailable port as <see cref="PortUnavailable"/>.</summary>
    public static async Task<T> ListeningAsync<T>(Task<T> start)
    {
        ArgumentNullException.ThrowIfNull(start);
        await ListeningAsync((Task)start).ConfigureAwait(false);
        return await start.ConfigureAwait(false);
    }

    /// <summary>Awaits a local server's whole life (a finished demo served until Ctrl+C), telling an unavailable port as <see cref="PortUnavailable"/>.</summary>
    public static async Task ListeningAsync(Task serving)
    {
        try
        {
            await serving.ConfigureAwait(false);
        }
        catch (PortUnavailableException ex)
        {
            throw PortUnavailable(ex);
        }
    }

    /// <summary>The ports, with failures caused by the flags or the surroundings told in the flags' terms.</summary>
    private static async Task<PipelineComponents> CreateComponentsAsync(PipelineOptions options, CliIo io, CancellationToken cancellationToken)
    {
        if (options.Alerts.Kinds.Contains(AlertSinkKind.Webhook) && options.Alerts.WebhookUrl is null)
        {
            throw new UserErrorException("--sink webhook needs --webhook-url URL");
        }

        if (options.Alerts.Kinds.Contains(AlertSinkKind.EventGrid) && options.Alerts.TopicEndpoint is null)
        {
            throw new UserErrorException("--sink eventgrid needs --eventgrid-endpoint URL");
        }

        try
        {
            return await LocalPipeline.CreateComponentsAsync(options, io.Context.Time, io.Context.HttpHandler, cancellationToken, io.Context.StorageHandler).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"cannot open alerts file '{options.Alerts.Path}': {ex.Message}", ex);
        }
        catch (Exception ex) when (options.State.Kind == StateKind.Tables && ex is FormatException or ArgumentException or InvalidOperationException)
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
