using System.CommandLine;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Pipeline.Cli.EventHubs;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.Simulation;
using Pipeline.Dashboard.Api;
using Pipeline.Hosting;
using Pipeline.Hosting.Ingest;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary><c>pipeline run</c>: the main job, live, until Ctrl+C, <c>--for</c>, or the end of finite inputs.</summary>
internal static class RunCommand
{
    public static readonly string[] SourceKinds = ["sim", "http", "file", "stdin", "eventhubs"];
    public static readonly string[] SinkKinds = ["console", "jsonl", "webhook", "eventgrid"];

    /// <summary>What <c>run</c> does beyond the ports <see cref="LocalRunSettings.Pipeline"/> describes.</summary>
    internal sealed class RunSettings : LocalRunSettings, IFleetSettings, IHubSettings
    {
        public RunSettings()
        {
            Pipeline.Alerts.Kinds.Add(AlertSinkKind.Jsonl);
            Pipeline.DeadLetters.Kind = DeadLetterKind.Jsonl;
        }

        public string[] Sources { get; set; } = ["sim"];

        public string? File { get; set; }

        public int HttpPort { get; set; } = 5080;

        public int MaxBodyBytes { get; set; } = 1024 * 1024;

        public int MaxRecords { get; set; } = TelemetryIngest.DefaultMaxRecords;

        /// <summary>Whether alerts are printed (the console sink stands in front of the configured ones).</summary>
        public bool Console { get; set; } = true;

        public TimeSpan? For { get; set; }

        public int Devices { get; set; } = 24;

        public int Seed { get; set; } = 42;

        public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

        public TimeSpan SweepEvery { get; set; } = TimeSpan.FromSeconds(1);

        public TelemetryExportOptions Telemetry { get; set; } = new() { ExportInterval = TimeSpan.FromSeconds(10) };

        public HubFlags Hub { get; } = new();

        public string ConsumerGroup { get; set; } = "local";

        public string From { get; set; } = "latest";

        public bool Reads(string source) => Sources.Contains(source, StringComparer.Ordinal);

        public void SetSinks(string[] sinks)
        {
            Console = sinks.Contains("console", StringComparer.Ordinal);
            Pipeline.Alerts.Kinds.Clear();
            foreach (var kind in sinks.Where(k => k != "console"))
            {
                Pipeline.Alerts.Kinds.Add(Enum.Parse<AlertSinkKind>(kind, ignoreCase: true));
            }
        }

        /// <summary>The mistakes no single flag makes, each told in the flags' terms.</summary>
        public void Validate()
        {
            if (Reads("file") && File is null)
            {
                throw new UserErrorException("--source file needs --file FILE");
            }

            if (File is not null && !Reads("file"))
            {
                throw new UserErrorException("--file is read only with --source file");
            }

            if (Pipeline.State.Kind == StateKind.Tables && Pipeline.Storage.ConnectionString is null && Pipeline.State.TableServiceUri is null)
            {
                throw new UserErrorException("--state tables needs --tables-uri URI (Azure, signed in) or --tables-connection STRING (Azurite)");
            }

            if (!Regex.IsMatch(Pipeline.State.Table!, "^[A-Za-z][A-Za-z0-9]{2,53}$"))
            {
                // Azure table names: letters and digits, 3 to 63; the hub reader's positions table adds "positions" (9) to this one.
                throw new UserErrorException($"--state-table: '{Pipeline.State.Table}' must be 3 to 54 letters and digits, starting with a letter (NAMEpositions must fit Azure's 63)");
            }

            if (Telemetry.Traces && Telemetry.OtlpEndpoint is null)
            {
                throw new UserErrorException("--trace needs --otlp-endpoint URL (where the spans go)");
            }

            if (Reads("eventhubs"))
            {
                _ = HubSource.FirstStart(From);
                _ = Hub.Connect(Pipeline.ClientId);
            }

            if (Interval <= TimeSpan.Zero || SweepEvery <= TimeSpan.Zero)
            {
                throw new UserErrorException("--interval and --sweep-interval must be longer than 0s");
            }
        }
    }

    public static Command Create(CliIo io) => new FlagTable<RunSettings>()
        .LocalRunFlags("Alert file of the jsonl sink, appended to")
        .Choices("--source", "Where telemetry comes from (default sim)", SourceKinds, (s, v) => s.Sources = v)
        .Text("--file", "JSON Lines telemetry file for --source file", "FILE", (s, v) => s.File = v)
        .Int("--http-port", "Port on 127.0.0.1 of the dashboard, its Api and (with --source http) the HTTP ingest; 0 picks a free one (default 5080)", 0, 65535,
            (s, v) => s.HttpPort = v)
        .Int("--http-max-body", "Largest HTTP ingest request body in bytes; larger ones get 413 (default 1048576)", 1, int.MaxValue, (s, v) => s.MaxBodyBytes = v)
        .Int("--http-max-records", "Most records one HTTP ingest request may hold; more get 413 (default 10000)", 1, 1_000_000, (s, v) => s.MaxRecords = v)
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
        .Duration("--for", "Stop by itself after this long (default: run until Ctrl+C or the end of finite inputs)", (s, v) => s.For = v)
        .Fleet()
        .Duration("--sweep-interval", "How often idle keys are advanced and failed deliveries retried (default 1s)", (s, v) => s.SweepEvery = v)
        .Choice("--metrics", "Serve the pipeline's metrics: prometheus at /metrics on the dashboard's loopback server (default none)", ["prometheus", "none"],
            (s, v) => s.Telemetry = s.Telemetry with { Prometheus = v == "prometheus" })
        .Url("--otlp-endpoint", "OpenTelemetry collector (OTLP gRPC) that receives the metrics, and with --trace the spans, e.g. http://127.0.0.1:4317",
            (s, v) => s.Telemetry = s.Telemetry with { OtlpEndpoint = v })
        .Switch("--trace", "Export the spans of every batch (decode, load, apply, persist, publish) to --otlp-endpoint", (s, v) => s.Telemetry = s.Telemetry with { Traces = v })
        .HubFlags()
        .Text("--consumer-group", "Consumer group for --source eventhubs (default local, which the infrastructure creates)", "NAME", (s, v) => s.ConsumerGroup = v)
        .Text("--from", "Where --source eventhubs starts when no position is saved: earliest, latest (default) or a time like 2026-01-01T00:00:00Z", "WHERE",
            (s, v) => s.From = v)
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
        var clock = new LiveClock(io.Context.Time);
        var stopwatch = Stopwatch.StartNew();
        var dashboard = new ProcessorApiSource(rules, () => clock.Now, io.Context.Time);
        s.Pipeline.Rules.Path = rulesPath;
        var sinkDescriptions = LocalPipeline.DescribeSinks(s.Pipeline).ToList(); // before an unused memory sink stands in
        await using var pipeline = await CliPipeline.CreateAsync(rules, s.Pipeline, new LocalRunOptions
        {
            Partitions = s.Partitions,
            Parallel = s.Partitions > 1,
            Front = s.Console ? new ConsoleAlertSink(io.Stdout, io.Color) : null,
            History = dashboard.History,
            Delivered = dashboard.OnDelivered,
            Telemetry = s.Telemetry,

            // An endless run: delivery apart from intake, and no list of every alert delivered.
            DeferDelivery = true,
            KeepDelivered = false,
            DeliveryRoundFailed = ex => io.Stderr.WriteLine($"pipeline: clearing delivered alerts from the state failed, they go out again: {ex.Message}"),
        }, io, cancellationToken).ConfigureAwait(false);
        var ingress = pipeline.Ingress;
        dashboard.Ingress = ingress;
        dashboard.Silences = pipeline.Silences;
        dashboard.StateDescription = LocalPipeline.DescribeState(s.Pipeline);
        dashboard.Health = pipeline.Health;
        dashboard.Telemetry = pipeline.Telemetry;

        SimulatedFeed? sim = null;
        if (s.Reads("sim"))
        {
            sim = SimulatedFeed.Live(clock.Now, s.Devices, s.Seed, s.Interval);
        }

        using var simScope = sim;
        // The dashboard is served whatever the sources; without HTTP ingest a busy port only costs the dashboard.
        LoopbackServer? http = null;
        string? notServed = null;
        try
        {
            http = await LocalServer.StartAsync(ingress, clock, s.HttpPort, s.MaxBodyBytes, s.Reads("http"), dashboard, cancellationToken,
                s.MaxRecords, ex => io.Stderr.WriteLine($"pipeline: an HTTP ingest request failed and was answered 503: {ex}"),
                pipeline.Export.MapPrometheus).ConfigureAwait(false);
        }
        catch (UserErrorException ex) when (!s.Reads("http"))
        {
            notServed = ex.Message;
        }

        await using var httpScope = http;
        WriteBanner(io.Stdout, s, rules, rulesPath, sinkDescriptions, sim, http);
        if (notServed is not null)
        {
            io.Stdout.WriteLine($"  dashboard not served: {notServed}");
        }
        if (http is not null)
        {
            io.Context.HttpListening?.Invoke(http.Address);
        }

        // Finite inputs (a file, stdin) end the run when they are done, unless a live source or --for keeps it going.
        var inputs = new List<Func<CancellationToken, Task>>();
        if (fileStream is not null)
        {
            inputs.Add(stop => LineInput.FeedAsync("file", fileStream, ingress, () => clock.Now, stop));
        }

        if (s.Reads("stdin"))
        {
            inputs.Add(stop => LineInput.FeedAsync("stdin", io.Context.OpenStdin(), ingress, () => clock.Now, stop));
        }

        if (s.Reads("eventhubs"))
        {
            var hub = s.Hub.Connect(s.Pipeline.ClientId);
            var positions = PipelineComponentsFactory.CreatePositionStore(s.Pipeline);
            inputs.Add(stop => HubSource.FeedAsync(hub, s.ConsumerGroup, s.From, positions, ingress, clock, io.Stdout, stop));
        }

        // The dashboard's server runs whatever the sources are; only HTTP ingest makes a run endless.
        var endless = sim is not null || s.Reads("http") || s.For is not null || s.Reads("eventhubs");
        var failure = await RunLoop.RunToEndAsync(ingress, clock, sim, s.SweepEvery, s.For is { } d ? clock.Now + d : null, inputs, endless,
            http is null ? null : http.DisposeAsync, cancellationToken).ConfigureAwait(false);
        Summary.Write(io.Stdout, ingress.Totals(), stopwatch.Elapsed, ingress.PendingAlerts, s.Pipeline.State.Kind == StateKind.Tables,
            pipeline.DeadLettersWritten > 0 ? s.Pipeline.DeadLetters.Path : null);
        if (failure is not null)
        {
            throw failure is UserErrorException ? failure : new InvalidOperationException($"the run stopped: {failure.Message}", failure);
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

        if (http is not null && s.Reads("http"))
        {
            o.WriteLine($"  HTTP ingest: POST {new Uri(http.Address, "/telemetry")} (application/json or application/x-ndjson), GET {new Uri(http.Address, "/health")}");
        }

        if (http is not null)
        {
            o.WriteLine($"  dashboard: {Text.Dashboard(http.Address)} (Api under /api)");
            if (s.Telemetry.Prometheus)
            {
                o.WriteLine($"  metrics: {new Uri(http.Address, s.Telemetry.PrometheusPath)} (Prometheus text format)");
            }
        }

        if (s.Telemetry.OtlpEndpoint is { } otlp)
        {
            o.WriteLine($"  OTLP export to {otlp}{(s.Telemetry.Traces ? " (metrics and batch spans)" : " (metrics)")}");
        }

        if (s.File is not null)
        {
            o.WriteLine($"  reading {s.File}");
        }

        if (s.Reads("stdin"))
        {
            o.WriteLine("  reading standard input (JSON Lines)");
        }

        o.WriteLine(s.For is { } d ? $"  stopping after {DurationText.Format(d)}" : "  Ctrl+C to stop");
        o.WriteLine();
    }
}
