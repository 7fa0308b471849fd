using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Pipeline.Core.Rules;
using Pipeline.Hosting;

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
        var state = CliOptions.Choices("--state", "Where per-key state lives", ["memory", "tables"], ["memory"], multiple: false);
        var tablesUri = CliOptions.Url("--tables-uri", "Table service URI for --state tables with Microsoft Entra sign-in, e.g. https://ACCOUNT.table.core.windows.net");
        var tablesConnection = CliOptions.Text("--tables-connection", "Connection string for --state tables on Azurite, e.g. UseDevelopmentStorage=true", "STRING");
        var stateTable = CliOptions.Text("--state-table", "Table name for --state tables (default 'clistate'; its deadline index is NAMEdeadlines)", "NAME");
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
        foreach (var option in new Option[] { rules, sources, file, httpPort, maxBody, state, tablesUri, tablesConnection, stateTable, clientId, sinks, output,
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

            var stateKind = Enum.Parse<StateKind>(CliOptions.ValueOr(parse, state, ["memory"])[0], ignoreCase: true);
            var connection = parse.GetValue(tablesConnection);
            var uri = parse.GetValue(tablesUri);
            if (stateKind == StateKind.Tables && connection is null && uri is null)
            {
                throw new UserErrorException("--state tables needs --tables-uri URI (Azure, signed in) or --tables-connection STRING (Azurite)");
            }

            var table = parse.GetValue(stateTable) ?? "clistate";
            if (!System.Text.RegularExpressions.Regex.IsMatch(table, "^[A-Za-z][A-Za-z0-9]{2,53}$"))
            {
                // Azure table names: letters and digits, 3 to 63; the deadline index adds "deadlines" to this one.
                throw new UserErrorException($"--state-table: '{table}' must be 3 to 54 letters and digits, starting with a letter");
            }

            if (parse.GetValue(trace) && parse.GetValue(otlp) is null)
            {
                throw new UserErrorException("--trace needs --otlp-endpoint URL (where the spans go)");
            }

            var sinkNames = CliOptions.ValueOr(parse, sinks, ["console", "jsonl"]);
            var settings = new RunSettings
            {
                Rules = parse.GetValue(rules),
                Sources = sourceList,
                File = fileName,
                HttpPort = parse.GetValue(httpPort),
                MaxBodyBytes = parse.GetValue(maxBody),
                State = new StateSettings(stateKind, uri, connection, parse.GetValue(clientId), table),
                Sinks = new SinkSettings(sinkNames.Contains("console"), [.. sinkNames.Where(k => k != "console").Select(k => Enum.Parse<AlertSinkKind>(k, ignoreCase: true))], parse.GetValue(output) ?? "alerts.jsonl", AppendJsonLines: true,
                    parse.GetValue(webhook), parse.GetValue(webhookAttempts), parse.GetValue(webhookBackoff) ?? TimeSpan.FromMilliseconds(500),
                    parse.GetValue(eventGrid), parse.GetValue(clientId)),
                DeadLetters = parse.GetValue(deadLetters) ?? "dead-letters.jsonl",
                Partitions = parse.GetValue(partitions),
                For = parse.GetValue(duration),
                Devices = parse.GetValue(devices),
                Seed = parse.GetValue(seed),
                Interval = parse.GetValue(interval) ?? TimeSpan.FromSeconds(10),
                Environment = parse.GetValue(environment) ?? "local",
                SweepEvery = parse.GetValue(sweep) ?? TimeSpan.FromSeconds(1),
                EventHubs = hubSource.Read(parse, sourceList, parse.GetValue(clientId)),
                Telemetry = new TelemetryExportOptions
                {
                    Prometheus = CliOptions.ValueOr(parse, metrics, ["none"])[0] == "prometheus",
                    OtlpEndpoint = parse.GetValue(otlp),
                    Traces = parse.GetValue(trace),
                    ExportInterval = TimeSpan.FromSeconds(10),
                },
            };
            if (settings.Interval <= TimeSpan.Zero || settings.SweepEvery <= TimeSpan.Zero)
            {
                throw new UserErrorException("--interval and --sweep-interval must be longer than 0s");
            }

            return ExecuteAsync(settings, io, ct);
        });
        return command;
    }

    internal sealed record RunSettings
    {
        public string? Rules { get; init; }
        public required IReadOnlyList<string> Sources { get; init; }
        public string? File { get; init; }
        public int HttpPort { get; init; }
        public long MaxBodyBytes { get; init; }
        public required StateSettings State { get; init; }
        public required SinkSettings Sinks { get; init; }
        public required string DeadLetters { get; init; }
        public int Partitions { get; init; }
        public TimeSpan? For { get; init; }
        public int Devices { get; init; }
        public int Seed { get; init; }
        public TimeSpan Interval { get; init; }
        public required string Environment { get; init; }
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
        var dashboard = new LocalDashboard(rules, clock, io.Context.Time);
        await using var pipeline = await LocalPipeline.CreateAsync(rules, rulesPath, s.Partitions, s.State, s.Sinks, s.DeadLetters, s.Environment,
            parallel: s.Partitions > 1, io, cancellationToken, dashboard, s.Telemetry).ConfigureAwait(false);
        var ingress = pipeline.Ingress;
        dashboard.Ingress = ingress;
        dashboard.StateDescription = pipeline.StateDescription;
        dashboard.Health = pipeline.Health;
        dashboard.Telemetry = pipeline.Telemetry;

        SimulatedFeed? sim = null;
        if (s.Sources.Contains("sim"))
        {
            sim = SimulatedFeed.Live(clock.Now, s.Devices, s.Seed, s.Interval);
        }

        using var simScope = sim;
        // The dashboard is served whatever the sources; without HTTP ingest a busy port only costs the dashboard.
        HttpIngest? http = null;
        string? notServed = null;
        try
        {
            http = await HttpIngest.StartAsync(ingress, clock, s.HttpPort, s.MaxBodyBytes, cancellationToken, ingest: s.Sources.Contains("http"), mapMore: app =>
            {
                dashboard.Map(app);
                pipeline.Export.MapPrometheus(app);
            }).ConfigureAwait(false);
        }
        catch (UserErrorException ex) when (!s.Sources.Contains("http"))
        {
            notServed = ex.Message;
        }

        await using var httpScope = http;
        WriteBanner(io.Stdout, s, rules, rulesPath, pipeline, sim, http);
        if (notServed is not null)
        {
            io.Stdout.WriteLine($"  dashboard not served: {notServed}");
        }
        if (http is not null)
        {
            io.Context.HttpListening?.Invoke(http.Address);
        }

        // Finite inputs (a file, stdin) end the run when they are done, unless a live source or --for keeps it going.
        using var stopSources = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var finite = new List<Task>();
        if (fileStream is not null)
        {
            finite.Add(LineSource.FeedAsync("file", fileStream, ingress, clock, stopSources.Token));
        }

        if (s.Sources.Contains("stdin"))
        {
            finite.Add(LineSource.FeedAsync("stdin", io.Context.OpenStdin(), ingress, clock, stopSources.Token));
        }

        if (s.EventHubs is { } hub)
        {
            finite.Add(EventHubs.HubSource.FeedAsync(hub, EventHubs.HubSource.CreatePositionStore(s.State), ingress, clock, io.Stdout, stopSources.Token));
        }

        // The dashboard's server runs whatever the sources are; only HTTP ingest makes a run endless.
        var endless = sim is not null || s.Sources.Contains("http") || s.For is not null || s.EventHubs is not null;
        var inputsDone = Task.WhenAll(finite);
        var stopWhen = endless ? WhenFaultedAsync(inputsDone, stopSources.Token) : inputsDone;
        Exception? failure = null;
        try
        {
            await RunLoop.RunAsync(ingress, clock, sim, s.SweepEvery, s.For is { } d ? clock.Now + d : null, stopWhen, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C while processing: stop and flush like any other end.
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        // Stop taking input, then deliver what is waiting: one last retry of every outbox at the current time.
        if (http is not null)
        {
            await http.DisposeAsync().ConfigureAwait(false);
        }

        await stopSources.CancelAsync().ConfigureAwait(false);
        try
        {
            await inputsDone.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A source cut short by the stop.
        }
        catch (Exception ex) when (failure is null)
        {
            failure = ex;
        }

        using var flushTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await ingress.SweepAsync(clock.Now, flushTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (failure is null)
        {
            // The summary still matters when the last flush fails (a state store that went away).
            failure = ex;
        }
        Summary.Write(io.Stdout, ingress.Totals(), stopwatch.Elapsed, ingress.PendingAlerts, s.State.Kind == StateKind.Tables, pipeline.DeadLettersWritten > 0 ? s.DeadLetters : null);
        if (failure is not null)
        {
            throw failure is UserErrorException ? failure : new InvalidOperationException($"the run stopped: {failure.Message}", failure);
        }

        return 0;
    }

    private static void WriteBanner(TextWriter o, RunSettings s, RuleSet rules, string rulesPath, LocalPipeline pipeline, SimulatedFeed? sim, HttpIngest? http)
    {
        o.WriteLine(Invariant($"pipeline run: {rules.Rules.Count} rules from {rulesPath} (version {rules.Version})"));
        o.WriteLine(Invariant($"  state {pipeline.StateDescription}, {s.Partitions} partition(s); alerts to {string.Join(", ", pipeline.SinkDescriptions)}; dead letters to {s.DeadLetters}"));
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

    /// <summary>Completes when <paramref name="task"/> fails (a broken input ends the run), else only when cancelled.</summary>
    private static async Task WhenFaultedAsync(Task task, CancellationToken cancellationToken)
    {
        await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!task.IsFaulted)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
