using System.CommandLine;
using System.Diagnostics;
using Pipeline.Cli.EventHubs;
using Pipeline.Core.Rules;
using Pipeline.Core.Simulation;
using Pipeline.Hosting;
using Pipeline.Hosting.Live;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary><c>pipeline run</c>: the main job, live, until Ctrl+C, <c>--for</c>, or the end of finite inputs.</summary>
internal static class RunCommand
{
    public static readonly string[] SourceKinds = ["sim", "http", "file", "stdin", "eventhubs"];
    public static readonly string[] SinkKinds = ["console", "jsonl", "webhook", "eventgrid"];

    /// <summary>What <c>run</c> does beyond the ports <see cref="LocalRunSettings.Pipeline"/> describe: <see cref="Live"/> and the flags' own.</summary>
    internal sealed class RunSettings : LocalRunSettings, IFleetSettings, IHubSettings
    {
        public RunSettings()
        {
            Pipeline.Alerts.Kinds.Add(AlertSinkKind.Jsonl);
            Pipeline.DeadLetters.Kind = DeadLetterKind.Jsonl;
        }

        /// <summary>The run's sources, server, pacing and fleet; the flags set them.</summary>
        public LiveRunOptions Live { get; } = new();

        public string? File { get; set; }

        /// <summary>Whether alerts are printed (the console sink stands in front of the configured ones).</summary>
        public bool Console { get; set; } = true;

        public int Devices { get => Live.Devices; set => Live.Devices = value; }

        public int Seed { get => Live.Seed; set => Live.Seed = value; }

        public TimeSpan Interval { get => Live.Interval; set => Live.Interval = value; }

        public HubFlags Hub { get; } = new();

        public bool Reads(LiveSources source) => Live.Reads(source);

        public void SetSources(string[] sources) =>
            Live.Sources = sources.Aggregate(LiveSources.None, (all, name) => all | name switch
            {
                "sim" => LiveSources.Simulated,
                _ => Enum.Parse<LiveSources>(name, ignoreCase: true),
            });

        public void SetSinks(string[] sinks)
        {
            Console = sinks.Contains("console", StringComparer.Ordinal);
            Pipeline.Alerts.Kinds.Clear();
            foreach (var kind in sinks.Where(k => k != "console"))
            {
                Pipeline.Alerts.Kinds.Add(Enum.Parse<AlertSinkKind>(kind, ignoreCase: true));
            }
        }

        /// <summary>The mistakes no single flag makes, each told in the flags' terms; the options' own rules are theirs.</summary>
        public void Validate()
        {
            if (Reads(LiveSources.File) && File is null)
            {
                throw new UserErrorException("--source file needs --file FILE");
            }

            if (File is not null && !Reads(LiveSources.File))
            {
                throw new UserErrorException("--file is read only with --source file");
            }

            if (Pipeline.State.Kind == StateKind.Tables && Pipeline.Storage.ConnectionString is null && Pipeline.State.TableServiceUri is null)
            {
                throw new UserErrorException("--state tables needs --tables-uri URI (Azure, signed in) or --tables-connection STRING (Azurite)");
            }

            if (StateOptions.TableNameProblem(Pipeline.State.Table!) is { } tableProblem)
            {
                throw new UserErrorException($"--state-table: '{Pipeline.State.Table}' {tableProblem}");
            }

            if (Live.Telemetry.Traces && Live.Telemetry.OtlpEndpoint is null)
            {
                throw new UserErrorException("--trace needs --otlp-endpoint URL (where the spans go)");
            }

            // The options' problems, told in the flags' terms and in the order these checks have always had.
            var problems = Live.Validate().Select(p => p.Setting).ToHashSet(StringComparer.Ordinal);
            if (Reads(LiveSources.EventHubs))
            {
                if (problems.Contains(nameof(LiveRunOptions.From)))
                {
                    throw new UserErrorException($"--from: '{Live.From}' is not earliest, latest or a time like 2026-01-01T00:00:00Z");
                }

                Live.Hub = Hub.Connect(Pipeline.ClientId);
            }

            if (problems.Contains(nameof(LiveRunOptions.Interval)) || problems.Contains(nameof(LiveRunOptions.SweepInterval)))
            {
                throw new UserErrorException("--interval and --sweep-interval must be longer than 0s");
            }
        }
    }

    public static Command Create(CliIo io) => new FlagTable<RunSettings>()
        .LocalRunFlags("Alert file of the jsonl sink, appended to")
        .Choices("--source", "Where telemetry comes from (default sim)", SourceKinds, (s, v) => s.SetSources(v))
        .Text("--file", "JSON Lines telemetry file for --source file", "FILE", (s, v) => s.File = v)
        .Int("--http-port", "Port on 127.0.0.1 of the dashboard, its Api and (with --source http) the HTTP ingest; 0 picks a free one (default 5080)", 0, 65535,
            (s, v) => s.Live.HttpPort = v)
        .Int("--http-max-body", "Largest HTTP ingest request body in bytes; larger ones get 413 (default 1048576)", 1, int.MaxValue, (s, v) => s.Live.MaxBodyBytes = v)
        .Int("--http-max-records", "Most records one HTTP ingest request may hold; more get 413 (default 10000)", 1, 1_000_000, (s, v) => s.Live.MaxRecords = v)
        .Choice("--state", "Where per-key state lives (default memory)", ["memory", "tables"], (s, v) => s.Pipeline.State.Kind = Enum.Parse<StateKind>(v, ignoreCase: true))
        .Url("--tables-uri", "Table service URI for --state tables with Microsoft Entra sign-in, e.g. https://ACCOUNT.table.core.windows.net",
            (s, v) => s.Pipeline.State.TableServiceUri = v)
        .Text("--tables-connection", "Connection string for --state tables on Azurite, e.g. UseDevelopmentStorage=true", "STRING",
            (s, v) => s.Pipeline.Storage.ConnectionString = v)
        .Text("--state-table", "Table name for --state tables (default 'clistate'; with --source hub the read positions go to NAMEpositions)", "NAME",
            (s, v) => s.Pipeline.State.Table = v)
        .Text("--client-id", "Client id of a user-assigned managed identity for Azure sign-in (default: DefaultAzureCredential's choice)", "ID",
            (s, v) => s.Pipeline.ClientId = v)
        .Choices("--sink", "Where alerts go (default console,jsonl)", SinkKinds, (s, v) => s.SetSinks(v))
        .Url("--webhook-url", "Endpoint of the webhook sink (CloudEvents batch POST)", (s, v) => s.Pipeline.Alerts.WebhookUrl = v)
        .Int("--webhook-attempts", "Attempts per webhook delivery before the alerts wait for the next sweep (default 5)", 1, 100,
            (s, v) => s.Pipeline.Alerts.Webhook = s.Pipeline.Alerts.Webhook with { MaxAttempts = v })
        .Duration("--webhook-backoff", "First wait between webhook attempts, doubling each time (default 500ms)",
            (s, v) => s.Pipeline.Alerts.Webhook = s.Pipeline.Alerts.Webhook with { InitialDelay = v })
        .Url("--eventgrid-endpoint", "Event Grid topic endpoint for the eventgrid sink, e.g. https://TOPIC.REGION-1.eventgrid.azure.net/api/events",
            (s, v) => s.Pipeline.Alerts.TopicEndpoint = v)
        .InputFlags()
        .Duration("--for", "Stop by itself after this long (default: run until Ctrl+C or the end of finite inputs)", (s, v) => s.Live.For = v)
        .Fleet()
        .Duration("--sweep-interval", "How often idle keys are advanced and failed deliveries retried (default 1s)", (s, v) => s.Live.SweepInterval = v)
        .Choice("--metrics", "Serve the pipeline's metrics: prometheus at /metrics on the dashboard's loopback server (default none)", ["prometheus", "none"],
            (s, v) => s.Live.Telemetry = s.Live.Telemetry with { Prometheus = v == "prometheus" })
        .Url("--otlp-endpoint", "OpenTelemetry collector (OTLP gRPC) that receives the metrics, and with --trace the spans, e.g. http://127.0.0.1:4317",
            (s, v) => s.Live.Telemetry = s.Live.Telemetry with { OtlpEndpoint = v })
        .Switch("--trace", "Export the spans of every batch (decode, load, apply, persist, publish) to --otlp-endpoint", (s, v) => s.Live.Telemetry = s.Live.Telemetry with { Traces = v })
        .HubFlags()
        .Text("--consumer-group", "Consumer group for --source eventhubs (default local, which the infrastructure creates)", "NAME", (s, v) => s.Live.ConsumerGroup = v)
        .Text("--from", "Where --source eventhubs starts when no position is saved: earliest, latest (default) or a time like 2026-01-01T00:00:00Z", "WHERE",
            (s, v) => s.Live.From = v)
        .Command("run", "Run the pipeline live: simulated fleet, HTTP ingest, a file, stdin or an event hub → rules → console, alerts.jsonl, webhook or Event Grid",
            (s, ct) =>
            {
                s.Validate();
                return ExecuteAsync(s, io, ct);
            });

    private static async Task<int> ExecuteAsync(RunSettings s, CliIo io, CancellationToken cancellationToken)
    {
        var (rules, rulesPath) = RulesFile.Load(s.Rules);
        var fileStream = s.File is { } path ? LineSource.OpenFile(path) : null;
        await using var fileStreamScope = fileStream;
        var stopwatch = Stopwatch.StartNew();
        s.Pipeline.Rules.Path = rulesPath;
        s.Live.Partitions = s.Partitions;
        var sinkDescriptions = LocalPipeline.DescribeSinks(s.Pipeline).ToList(); // before an unused memory sink stands in
        var context = new LiveRunContext
        {
            CreatePipeline = (run, ct) => CliPipeline.CreateAsync(rules, s.Pipeline, run with
            {
                Front = s.Console ? new ConsoleAlertSink(io.Stdout, io.Color) : null,
                DeliveryRoundFailed = ex => io.Stderr.WriteLine($"pipeline: clearing delivered alerts from the state failed, they go out again: {ex.Message}"),
            }, io, ct),
            Time = io.Context.Time,
            File = fileStream,
            OpenStdin = io.Context.OpenStdin,
            IngestFailed = ex => io.Stderr.WriteLine($"pipeline: an HTTP ingest request failed and was answered 503: {ex}"),
        };
        await using var live = await CliPipeline.ListeningAsync(LiveRun.StartAsync(rules, s.Pipeline, s.Live, context, cancellationToken)).ConfigureAwait(false);
        var http = live.Server;
        WriteBanner(io.Stdout, s, rules, rulesPath, sinkDescriptions, live.Simulation, http);
        if (live.NotServed is { } notServed)
        {
            io.Stdout.WriteLine($"  dashboard not served: {CliPipeline.PortUnavailable(notServed).Message}");
        }
        if (http is not null)
        {
            io.Context.HttpListening?.Invoke(http.Address);
        }

        // Where the hub is read, just before the run starts reading it.
        if (s.Live.Hub is { } hub)
        {
            io.Stdout.WriteLine($"  reading hub '{hub.Hub}' in {hub.Where}, consumer group '{s.Live.ConsumerGroup}', first start at {s.Live.From}");
        }

        var failure = await live.RunAsync(cancellationToken).ConfigureAwait(false);
        var ingress = live.Pipeline.Ingress;
        Summary.Write(io.Stdout, ingress.Totals(), stopwatch.Elapsed, ingress.PendingAlerts, s.Pipeline.State.Kind == StateKind.Tables,
            live.Pipeline.DeadLettersWritten > 0 ? s.Pipeline.DeadLetters.Path : null);
        if (failure is not null)
        {
            throw failure is LiveRunInputException ? new UserErrorException(failure.Message, failure) : new InvalidOperationException($"the run stopped: {failure.Message}", failure);
        }

        return 0;
    }

    private static void WriteBanner(TextWriter o, RunSettings s, RuleSet rules, string rulesPath, List<string> sinks, SimulatedFeed? sim, LoopbackServer? http)
    {
        o.WriteLine("pipeline run: " + Text.Rules(rules, rulesPath));
        var alertsTo = string.Join(", ", s.Console ? ["console", .. sinks] : sinks);
        o.WriteLine(Text.Invariant($"  state {LocalPipeline.DescribeState(s.Pipeline)}, {s.Partitions} partition(s); alerts to {alertsTo}; dead letters to {s.Pipeline.DeadLetters.Path}"));
        if (sim is not null)
        {
            var options = sim.Simulator.Options;
            o.WriteLine(Text.Invariant($"  simulated fleet: {options.Devices} devices, one sample each every {DurationText.Format(options.Interval)}, seed {options.Seed}, from {options.Start:yyyy-MM-dd HH:mm:ss}Z"));
            o.WriteLine("  injected faults (repeating every hour):");
            foreach (var fault in sim.Simulator.Faults)
            {
                o.WriteLine(Text.Invariant($"    +{(fault.Window.Start - options.Start).TotalMinutes:0.#} min  {fault.Kind,-15} {fault.Description}"));
            }
        }

        if (http is not null && s.Reads(LiveSources.Http))
        {
            o.WriteLine($"  HTTP ingest: POST {new Uri(http.Address, "/telemetry")} (application/json or application/x-ndjson), GET {new Uri(http.Address, "/health")}");
        }

        if (http is not null)
        {
            o.WriteLine($"  dashboard: {Text.Dashboard(http.Address)} (Api under /api)");
            if (s.Live.Telemetry.Prometheus)
            {
                o.WriteLine($"  metrics: {new Uri(http.Address, s.Live.Telemetry.PrometheusPath)} (Prometheus text format)");
            }
        }

        if (s.Live.Telemetry.OtlpEndpoint is { } otlp)
        {
            o.WriteLine($"  OTLP export to {otlp}{(s.Live.Telemetry.Traces ? " (metrics and batch spans)" : " (metrics)")}");
        }

        if (s.File is not null)
        {
            o.WriteLine($"  reading {s.File}");
        }

        if (s.Reads(LiveSources.Stdin))
        {
            o.WriteLine("  reading standard input (JSON Lines)");
        }

        o.WriteLine(s.Live.For is { } d ? $"  stopping after {DurationText.Format(d)}" : "  Ctrl+C to stop");
        o.WriteLine();
    }
}
