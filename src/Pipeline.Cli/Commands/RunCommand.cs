using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.Simulation;
using Pipeline.Dashboard.Api;
using Pipeline.Hosting;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary><c>pipeline run</c>: the main job, live, until Ctrl+C, <c>--for</c>, or the end of finite inputs.</summary>
internal static class RunCommand
{
    public static readonly string[] SourceKinds = ["sim", "http", "file", "stdin", "eventhubs"];
    public static readonly string[] SinkKinds = ["console", "jsonl", "webhook", "eventgrid"];

    public static Command Create(CliIo io)
    {
        var rules = CliOptions.Text("--rules", $"Rule file, YAML or JSON (default {RulesFile.DefaultPath}, else the copy shipped with the program)", "FILE");
        var sources = CliOptions.Choices("--source", "Where telemetry comes from", SourceKinds, ["sim"]);
        var file = CliOptions.Text("--file", "JSON Lines telemetry file for --source file", "FILE");
        var httpPort = CliOptions.Int("--http-port", "Port on 127.0.0.1 of the dashboard, its Api and (with --source http) the HTTP ingest; 0 picks a free one", 5080, 0, 65535);
        var maxBody = CliOptions.Int("--http-max-body", "Largest HTTP ingest request body in bytes; larger ones get 413", 1024 * 1024, 1, int.MaxValue);
        var maxRecords = CliOptions.Int("--http-max-records", "Most records one HTTP ingest request may hold; more get 413",
            Pipeline.Hosting.Ingest.TelemetryIngest.DefaultMaxRecords, 1, 1_000_000);
        var state = CliOptions.Choices("--state", "Where per-key state lives", ["memory", "tables"], ["memory"], multiple: false);
        var tablesUri = CliOptions.Url("--tables-uri", "Table service URI for --state tables with Microsoft Entra sign-in, e.g. https://ACCOUNT.table.core.windows.net");
        var tablesConnection = CliOptions.Text("--tables-connection", "Connection string for --state tables on Azurite, e.g. UseDevelopmentStorage=true", "STRING");
        var stateTable = CliOptions.Text("--state-table", "Table name for --state tables (default 'clistate'; with --source hub the read positions go to NAMEpositions)", "NAME");
        var clientId = CliOptions.Text("--client-id", "Client id of a user-assigned managed identity for Azure sign-in (default: DefaultAzureCredential's choice)", "ID");
        var sinks = CliOptions.Choices("--sink", "Where alerts go", SinkKinds, ["console", "jsonl"]);
        var output = CliOptions.Text("--out", "Alert file of the jsonl sink, appended to (default alerts.jsonl)", "FILE");
        var webhook = CliOptions.Url("--webhook-url", "Endpoint of the webhook sink (CloudEvents batch POST)");
        var webhookAttempts = CliOptions.Int("--webhook-attempts", "Attempts per webhook delivery before the alerts wait for the next sweep", 5, 1, 100);
        var webhookBackoff = CliOptions.Duration("--webhook-backoff", "First wait between webhook attempts, doubling each time (default 500ms)");
        var eventGrid = CliOptions.Url("--eventgrid-endpoint", "Event Grid topic endpoint for the eventgrid sink, e.g. https://TOPIC.REGION-1.eventgrid.azure.net/api/events");
        var deadLetters = CliOptions.Text("--dead-letters", "JSON Lines file that keeps rejected input (default dead-letters.jsonl)", "FILE");
        var partitions = CliOptions.Int("--partitions", "Virtual partitions (one processor each, keys routed by hash)", 1, 1, 256);
        var duration = CliOptions.Duration("--for", "Stop by itself after this long (default: run until Ctrl+C or the end of finite inputs)");
        var devices = CliOptions.Int("--devices", "Simulated fleet size", 24, 1, 100_000);
        var seed = CliOptions.Int("--seed", "Seed of the simulated fleet", 42, int.MinValue, int.MaxValue);
        var interval = CliOptions.Duration("--interval", "Time between two samples of one simulated device (default 10s)");
        var environment = CliOptions.Text("--environment", "Environment name in alert sources /pipeline/{environment}/rules/{ruleId} (default local)", "NAME");
        var sweep = CliOptions.Duration("--sweep-interval", "How often idle keys are advanced and failed deliveries retried (default 1s)");
        var metrics = CliOptions.Choices("--metrics", "Serve the pipeline's metrics: prometheus at /metrics on the dashboard's loopback server", ["prometheus", "none"], ["none"], multiple: false);
        var otlp = CliOptions.Url("--otlp-endpoint", "OpenTelemetry collector (OTLP gRPC) that receives the metrics, and with --trace the spans, e.g. http://127.0.0.1:4317");
        var trace = new Option<bool>("--trace") { Description = "Export the spans of every batch (decode, load, apply, persist, publish) to --otlp-endpoint" };

        var hubSource = new EventHubs.HubSourceOptions();
        var command = new Command("run", "Run the pipeline live: simulated fleet, HTTP ingest, a file, stdin or an event hub → rules → console, alerts.jsonl, webhook or Event Grid");
        hubSource.AddTo(command);
        foreach (var option in new Option[] { rules, sources, file, httpPort, maxBody, maxRecords, state, tablesUri, tablesConnection, stateTable, clientId, sinks, output,
                     webhook, webhookAttempts, webhookBackoff, eventGrid, deadLetters, partitions, duration, devices, seed, interval, environment, sweep, metrics, otlp, trace })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) =>
        {
            var sourceList = CliOptions.ValueOr(parse, sources, ["sim"]);
            var fileName = parse.GetValue(file);
            if (sourceList.Contains("file") && fileName is null)
            {
                throw new UserErrorException("--source file needs --file FILE");
            }

            if (fileName is not null && !sourceList.Contains("file"))
            {
                throw new UserErrorException("--file is read only with --source file");
            }

            var o = CliPipeline.Options(string.Empty, parse.GetValue(environment) ?? "local");
            o.ClientId = parse.GetValue(clientId);
            o.State.Kind = Enum.Parse<StateKind>(CliOptions.ValueOr(parse, state, ["memory"])[0], ignoreCase: true);
            o.State.TableServiceUri = parse.GetValue(tablesUri);
            o.Storage.ConnectionString = parse.GetValue(tablesConnection);
            if (o.State.Kind == StateKind.Tables && o.Storage.ConnectionString is null && o.State.TableServiceUri is null)
            {
                throw new UserErrorException("--state tables needs --tables-uri URI (Azure, signed in) or --tables-connection STRING (Azurite)");
            }

            var table = o.State.Table = parse.GetValue(stateTable) ?? "clistate";
            if (!System.Text.RegularExpressions.Regex.IsMatch(table, "^[A-Za-z][A-Za-z0-9]{2,53}$"))
            {
                // Azure table names: letters and digits, 3 to 63; the hub reader's positions table adds "positions" (9) to this one.
                throw new UserErrorException($"--state-table: '{table}' must be 3 to 54 letters and digits, starting with a letter (NAMEpositions must fit Azure's 63)");
            }

            if (parse.GetValue(trace) && parse.GetValue(otlp) is null)
            {
                throw new UserErrorException("--trace needs --otlp-endpoint URL (where the spans go)");
            }

            var sinkNames = CliOptions.ValueOr(parse, sinks, ["console", "jsonl"]);
            foreach (var kind in sinkNames.Where(k => k != "console"))
            {
                o.Alerts.Kinds.Add(Enum.Parse<AlertSinkKind>(kind, ignoreCase: true));
            }

            o.Alerts.Path = parse.GetValue(output) ?? "alerts.jsonl";
            o.Alerts.WebhookUrl = parse.GetValue(webhook);
            o.Alerts.Webhook = new WebhookAlertSinkOptions
            {
                MaxAttempts = parse.GetValue(webhookAttempts),
                InitialDelay = parse.GetValue(webhookBackoff) ?? TimeSpan.FromMilliseconds(500),
            };
            o.Alerts.TopicEndpoint = parse.GetValue(eventGrid);
            o.DeadLetters.Kind = DeadLetterKind.Jsonl;
            o.DeadLetters.Path = parse.GetValue(deadLetters) ?? "dead-letters.jsonl";
            var settings = new RunSettings
            {
                Rules = parse.GetValue(rules),
                Pipeline = o,
                Console = sinkNames.Contains("console"),
                Sources = sourceList,
                File = fileName,
                HttpPort = parse.GetValue(httpPort),
                MaxBodyBytes = parse.GetValue(maxBody),
                MaxRecords = parse.GetValue(maxRecords),
                Partitions = parse.GetValue(partitions),
                For = parse.GetValue(duration),
                Fleet = new Core.Simulation.FleetOptions
                {
                    Start = default,
                    Devices = parse.GetValue(devices),
                    Seed = parse.GetValue(seed),
                    Interval = parse.GetValue(interval) ?? TimeSpan.FromSeconds(10),
                },
                SweepEvery = parse.GetValue(sweep) ?? TimeSpan.FromSeconds(1),
                EventHubs = hubSource.Read(parse, sourceList, o.ClientId),
                Telemetry = new TelemetryExportOptions
                {
                    Prometheus = CliOptions.ValueOr(parse, metrics, ["none"])[0] == "prometheus",
                    OtlpEndpoint = parse.GetValue(otlp),
                    Traces = parse.GetValue(trace),
                    ExportInterval = TimeSpan.FromSeconds(10),
                },
            };
            if (settings.Fleet.Interval <= TimeSpan.Zero || settings.SweepEvery <= TimeSpan.Zero)
            {
                throw new UserErrorException("--interval and --sweep-interval must be longer than 0s");
            }

            return ExecuteAsync(settings, io, ct);
        });
        return command;
    }

    /// <summary>What <c>run</c> does beyond the ports <see cref="Pipeline"/> describes.</summary>
    internal sealed record RunSettings
    {
        public string? Rules { get; init; }
        public required PipelineOptions Pipeline { get; init; }
        public bool Console { get; init; }
        public required IReadOnlyList<string> Sources { get; init; }
        public string? File { get; init; }
        public int HttpPort { get; init; }
        public long MaxBodyBytes { get; init; }
        public int MaxRecords { get; init; }
        public int Partitions { get; init; }
        public TimeSpan? For { get; init; }
        public required Core.Simulation.FleetOptions Fleet { get; init; }
        public TimeSpan SweepEvery { get; init; }
        public EventHubs.HubSourceSettings? EventHubs { get; init; }
        public TelemetryExportOptions Telemetry { get; init; } = new();
    }

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
        if (s.Sources.Contains("sim"))
        {
            sim = SimulatedFeed.Live(clock.Now, s.Fleet.Devices, s.Fleet.Seed, s.Fleet.Interval);
        }

        using var simScope = sim;
        // The dashboard is served whatever the sources; without HTTP ingest a busy port only costs the dashboard.
        LoopbackServer? http = null;
        string? notServed = null;
        try
        {
            http = await LocalServer.StartAsync(ingress, clock, s.HttpPort, s.MaxBodyBytes, s.Sources.Contains("http"), dashboard, cancellationToken,
                s.MaxRecords, ex => io.Stderr.WriteLine($"pipeline: an HTTP ingest request failed and was answered 503: {ex}"),
                pipeline.Export.MapPrometheus).ConfigureAwait(false);
        }
        catch (UserErrorException ex) when (!s.Sources.Contains("http"))
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

        if (s.Sources.Contains("stdin"))
        {
            inputs.Add(stop => LineInput.FeedAsync("stdin", io.Context.OpenStdin(), ingress, () => clock.Now, stop));
        }

        if (s.EventHubs is { } hub)
        {
            var positions = PipelineComponentsFactory.CreatePositionStore(s.Pipeline);
            inputs.Add(stop => EventHubs.HubSource.FeedAsync(hub, positions, ingress, clock, io.Stdout, stop));
        }

        // The dashboard's server runs whatever the sources are; only HTTP ingest makes a run endless.
        var endless = sim is not null || s.Sources.Contains("http") || s.For is not null || s.EventHubs is not null;
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
        o.WriteLine(Invariant($"pipeline run: {rules.Rules.Count} rules from {rulesPath} (version {rules.Version})"));
        var alertsTo = string.Join(", ", s.Console ? ["console", .. sinks] : sinks);
        o.WriteLine(Invariant($"  state {LocalPipeline.DescribeState(s.Pipeline)}, {s.Partitions} partition(s); alerts to {alertsTo}; dead letters to {s.Pipeline.DeadLetters.Path}"));
        if (sim is not null)
        {
            var options = sim.Simulator.Options;
            o.WriteLine(Invariant($"  simulated fleet: {options.Devices} devices, one sample each every {DurationText.Format(options.Interval)}, seed {options.Seed}, from {options.Start:yyyy-MM-dd HH:mm:ss}Z"));
            o.WriteLine("  injected faults (repeating every hour):");
            foreach (var fault in sim.Simulator.Faults)
            {
                o.WriteLine(Invariant($"    +{(fault.Window.Start - options.Start).TotalMinutes:0.#} min  {fault.Kind,-15} {fault.Description}"));
            }
        }

        if (http is not null && s.Sources.Contains("http"))
        {
            o.WriteLine($"  HTTP ingest: POST {new Uri(http.Address, "/telemetry")} (application/json or application/x-ndjson), GET {new Uri(http.Address, "/health")}");
        }

        if (http is not null)
        {
            o.WriteLine($"  dashboard: {http.Address.AbsoluteUri.TrimEnd('/')}/ (Api under /api)");
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

        if (s.Sources.Contains("stdin"))
        {
            o.WriteLine("  reading standard input (JSON Lines)");
        }

        o.WriteLine(s.For is { } d ? $"  stopping after {DurationText.Format(d)}" : "  Ctrl+C to stop");
        o.WriteLine();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
