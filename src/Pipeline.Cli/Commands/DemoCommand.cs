using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Pipeline.Core.Alerts;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.Simulation;
using Pipeline.Hosting;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary>
/// <c>pipeline demo</c>: the simulated fleet, fast-forwarded through simulated time. The same loop as <c>run</c>, on a
/// clock that jumps instead of waiting; every time comes from the simulation, so the same seed writes the same bytes.
/// </summary>
internal static class DemoCommand
{
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static Command Create(CliIo io)
    {
        var rules = CliOptions.Text("--rules", $"Rule file (default {RulesFile.DefaultPath}, else the copy shipped with the program)", "FILE");
        var duration = CliOptions.Duration("--duration", "Simulated time to run (default 60m: every injected fault once)");
        var devices = CliOptions.Int("--devices", "Simulated fleet size", 24, 1, 100_000);
        var seed = CliOptions.Int("--seed", "Seed of the simulated fleet", 42, int.MinValue, int.MaxValue);
        var output = CliOptions.Text("--out", "Alert file, overwritten (default alerts.jsonl)", "FILE");
        var partitions = CliOptions.Int("--partitions", "Virtual partitions", 1, 1, 256);
        var start = CliOptions.Time("--start", "Simulated start time (default 2026-01-01T00:00:00Z)");
        var serve = new Option<bool>("--serve") { Description = "After the demo, keep serving the dashboard at http://127.0.0.1:PORT/ until Ctrl+C" };
        var httpPort = CliOptions.Int("--http-port", "Port on 127.0.0.1 of the dashboard for --serve; 0 picks a free one", 5080, 0, 65535);
        var command = new Command("demo", "Fast-forward a simulated fleet with injected faults through the rules: alert timeline and summary, in seconds");
        foreach (var option in new Option[] { rules, duration, devices, seed, output, partitions, start, serve, httpPort })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) =>
        {
            var length = parse.GetValue(duration) ?? TimeSpan.FromMinutes(60);
            if (length <= TimeSpan.Zero)
            {
                throw new UserErrorException("--duration must be longer than 0s");
            }

            return ExecuteAsync(io, parse.GetValue(rules), length, parse.GetValue(devices), parse.GetValue(seed),
                parse.GetValue(output) ?? "alerts.jsonl", parse.GetValue(partitions), parse.GetValue(start) ?? DefaultStart, ct,
                parse.GetValue(serve) ? parse.GetValue(httpPort) : null);
        });
        return command;
    }

    private static async Task<int> ExecuteAsync(CliIo io, string? rulesFile, TimeSpan duration, int devices, int seed, string output,
        int partitions, DateTimeOffset start, CancellationToken cancellationToken, int? servePort = null)
    {
        var (rules, rulesPath) = RulesFile.Load(rulesFile);
        var stopwatch = Stopwatch.StartNew();
        var simulator = new FleetSimulator(new FleetOptions { Start = start, Devices = devices, Seed = seed, Duration = duration });
        var o = io.Stdout;
        o.WriteLine(Invariant($"pipeline demo: {devices} simulated devices, {DurationText.Format(duration)} from {start:yyyy-MM-dd HH:mm:ss}Z (seed {seed}), fast-forwarded"));
        o.WriteLine(Invariant($"rules: {rules.Rules.Count} from {rulesPath} (version {rules.Version})"));
        o.WriteLine();
        o.WriteLine("Injected faults:");
        foreach (var fault in simulator.Faults.Where(f => f.Window.Start < start + duration))
        {
            o.WriteLine(Invariant($"  {fault.Window.Start:HH:mm:ss}-{fault.Window.End:HH:mm:ss}  {fault.Kind,-15} {fault.Description}"));
        }

        o.WriteLine();
        o.WriteLine("Alert timeline (simulated time):");

        // Partitions run one after another so the order of alerts in the file is the same every time.
        var options = CliPipeline.Options(rulesPath, "local");
        options.Alerts.Kinds.Add(AlertSinkKind.Jsonl);
        options.Alerts.Path = output;
        options.Alerts.Append = false;
        RunTotals totals;
        List<AlertEvent> delivered;
        long pending;
        var clock = new VirtualClock(start);
        var dashboard = servePort is null ? null : new Dashboard.Api.ProcessorApiSource(rules, () => clock.Now, io.Context.Time);
        var run = new LocalRunOptions
        {
            Partitions = partitions,
            Front = new ConsoleAlertSink(io.Stdout, io.Color),
            History = dashboard?.History,
            Delivered = dashboard is null ? null : dashboard.OnDelivered,
        };
        await using (var pipeline = await CliPipeline.CreateAsync(rules, options, run, io, cancellationToken).ConfigureAwait(false))
        {
            using var feed = new SimulatedFeed(simulator);
            await RunLoop.RunAsync(pipeline.Ingress, clock, feed, TimeSpan.FromSeconds(1), start + duration, Task.Delay(Timeout.Infinite, cancellationToken),
                cancellationToken).ConfigureAwait(false);
            await pipeline.Ingress.SweepAsync(clock.Now, cancellationToken).ConfigureAwait(false);
            totals = pipeline.Ingress.Totals();
            delivered = pipeline.Delivered;
            pending = pipeline.Ingress.PendingAlerts;
            if (dashboard is not null)
            {
                dashboard.Ingress = pipeline.Ingress;
                dashboard.Silences = pipeline.Silences;
                await ServeAsync(io, pipeline.Ingress, clock, dashboard, servePort!.Value, cancellationToken).ConfigureAwait(false);
            }
        }

        if (delivered.Count == 0)
        {
            o.WriteLine("  (no alerts)");
        }

        WriteRuleTable(o, rules, delivered);
        Summary.Write(o, totals, stopwatch.Elapsed, pending, stateIsDurable: false, deadLetterPath: null);
        o.WriteLine();
        o.WriteLine(Invariant($"{delivered.Count} alert CloudEvents written to {output}. {DurationText.Format(duration)} of simulated time took {stopwatch.Elapsed.TotalSeconds:0.0} s."));
        return 0;
    }

    /// <summary>Serves the dashboard over the finished demo's state until Ctrl+C.</summary>
    private static async Task ServeAsync(CliIo io, PartitionedProcessor ingress, IRunClock clock, Dashboard.Api.ProcessorApiSource dashboard, int port, CancellationToken cancellationToken)
    {
        await using var server = await LocalServer.StartAsync(ingress, clock, port, 0, ingest: false, dashboard, cancellationToken).ConfigureAwait(false);
        io.Stdout.WriteLine();
        io.Stdout.WriteLine($"dashboard: {server.Address.AbsoluteUri.TrimEnd('/')}/ (Ctrl+C to stop)");
        io.Context.HttpListening?.Invoke(server.Address);
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private static void WriteRuleTable(TextWriter o, RuleSet rules, IReadOnlyList<AlertEvent> alerts)
    {
        o.WriteLine();
        o.WriteLine("Alerts by rule:");
        o.WriteLine(Invariant($"  {"rule",-20} {"fired",5} {"resolved",8} {"other",5}  devices"));
        foreach (var rule in rules.Rules)
        {
            var own = alerts.Where(a => a.Data.RuleId == rule.Id).ToList();
            var fired = own.Count(a => a.Kind == AlertTransitionKind.Fired);
            var resolved = own.Count(a => a.Kind == AlertTransitionKind.Resolved);
            var keys = own.Select(a => a.Data.Key).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var devices = keys.Count == 0 ? "-" : keys.Count <= 4 ? string.Join(", ", keys) : string.Join(", ", keys.Take(4)) + Invariant($" and {keys.Count - 4} more");
            o.WriteLine(Invariant($"  {rule.Id,-20} {fired,5} {resolved,8} {own.Count - fired - resolved,5}  {devices}"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
