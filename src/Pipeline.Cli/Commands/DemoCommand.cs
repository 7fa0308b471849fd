using System.CommandLine;
using System.Diagnostics;
using Pipeline.Core.Alerts;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.Simulation;
using Pipeline.Hosting;
using Pipeline.Hosting.Live;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary>
/// <c>pipeline demo</c>: the simulated fleet, fast-forwarded through simulated time. The same loop as <c>run</c>, on a
/// clock that jumps instead of waiting; every time comes from the simulation, so the same seed writes the same bytes.
/// </summary>
internal static class DemoCommand
{
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed class Settings : LocalRunSettings, IFleetSettings
    {
        public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(60);

        public int Devices { get; set; } = 24;

        public int Seed { get; set; } = 42;

        public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

        public DateTimeOffset Start { get; set; } = DefaultStart;

        public bool Serve { get; set; }

        public int HttpPort { get; set; } = 5080;
    }

    public static Command Create(CliIo io) => new FlagTable<Settings>()
        .LocalRunFlags("Alert file, overwritten")
        .Duration("--duration", "Simulated time to run (default 60m: every injected fault once)", (s, v) => s.Duration = v)
        .Fleet(interval: false)
        .Time("--start", "Simulated start time (default 2026-01-01T00:00:00Z)", (s, v) => s.Start = v)
        .Switch("--serve", "After the demo, keep serving the dashboard at http://127.0.0.1:PORT/ until Ctrl+C", (s, v) => s.Serve = v)
        .Int("--http-port", "Port on 127.0.0.1 of the dashboard for --serve; 0 picks a free one (default 5080)", 0, 65535, (s, v) => s.HttpPort = v)
        .Command("demo", "Fast-forward a simulated fleet with injected faults through the rules: alert timeline and summary, in seconds", (s, ct) =>
        {
            if (s.Duration <= TimeSpan.Zero)
            {
                throw new UserErrorException("--duration must be longer than 0s");
            }

            return ExecuteAsync(io, s, ct);
        });

    private static async Task<int> ExecuteAsync(CliIo io, Settings s, CancellationToken cancellationToken)
    {
        var (rules, rulesPath) = RulesFile.Load(s.Rules);
        var (start, duration) = (s.Start, s.Duration);
        var stopwatch = Stopwatch.StartNew();
        var simulator = new FleetSimulator(new FleetOptions { Start = start, Devices = s.Devices, Seed = s.Seed, Duration = duration });
        var o = io.Stdout;
        o.WriteLine(Text.Invariant($"pipeline demo: {s.Devices} simulated devices, {DurationText.Format(duration)} from {start:yyyy-MM-dd HH:mm:ss}Z (seed {s.Seed}), fast-forwarded"));
        o.WriteLine("rules: " + Text.Rules(rules, rulesPath));
        o.WriteLine();
        o.WriteLine("Injected faults:");
        foreach (var fault in simulator.Faults.Where(f => f.Window.Start < start + duration))
        {
            o.WriteLine(Text.Invariant($"  {fault.Window.Start:HH:mm:ss}-{fault.Window.End:HH:mm:ss}  {fault.Kind,-15} {fault.Description}"));
        }

        o.WriteLine();
        o.WriteLine("Alert timeline (simulated time):");

        // Partitions run one after another so the order of alerts in the file is the same every time.
        var options = s.Pipeline;
        options.Rules.Path = rulesPath;
        options.Alerts.Kinds.Add(AlertSinkKind.Jsonl);
        options.Alerts.Append = false;
        RunTotals totals;
        List<AlertEvent> delivered;
        long pending;
        var clock = new VirtualClock(start);
        var dashboard = s.Serve ? new Dashboard.Api.ProcessorApiSource(rules, () => clock.Now, io.Context.Time) : null;
        var run = new LocalRunOptions
        {
            Partitions = s.Partitions,
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
                await ServeAsync(io, pipeline.Ingress, clock, dashboard, s.HttpPort, cancellationToken).ConfigureAwait(false);
            }
        }

        if (delivered.Count == 0)
        {
            o.WriteLine("  (no alerts)");
        }

        WriteRuleTable(o, rules, delivered);
        Summary.Write(o, totals, stopwatch.Elapsed, pending, stateIsDurable: false, deadLetterPath: null);
        o.WriteLine();
        o.WriteLine(Summary.Written(delivered.Count, options.Alerts.Path) + Text.Invariant($" {DurationText.Format(duration)} of simulated time took {stopwatch.Elapsed.TotalSeconds:0.0} s."));
        return 0;
    }

    /// <summary>Serves the dashboard over the finished demo's state until Ctrl+C.</summary>
    private static async Task ServeAsync(CliIo io, PartitionedProcessor ingress, IRunClock clock, Dashboard.Api.ProcessorApiSource dashboard, int port, CancellationToken cancellationToken)
    {
        await using var server = await CliPipeline.ListeningAsync(LocalServer.StartAsync(ingress, clock, port, 0, ingest: false, dashboard, cancellationToken)).ConfigureAwait(false);
        io.Stdout.WriteLine();
        io.Stdout.WriteLine($"dashboard: {Text.Dashboard(server.Address)} (Ctrl+C to stop)");
        io.Context.HttpListening?.Invoke(server.Address);
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private static void WriteRuleTable(TextWriter o, RuleSet rules, IReadOnlyList<AlertEvent> alerts)
    {
        o.WriteLine();
        o.WriteLine("Alerts by rule:");
        o.WriteLine(Text.Invariant($"  {"rule",-20} {"fired",5} {"resolved",8} {"other",5}  devices"));
        foreach (var rule in rules.Rules)
        {
            var own = alerts.Where(a => a.Data.RuleId == rule.Id).ToList();
            var fired = own.Count(a => a.Kind == AlertTransitionKind.Fired);
            var resolved = own.Count(a => a.Kind == AlertTransitionKind.Resolved);
            var keys = own.Select(a => a.Data.Key).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var devices = keys.Count == 0 ? "-" : keys.Count <= 4 ? string.Join(", ", keys) : string.Join(", ", keys.Take(4)) + Text.Invariant($" and {keys.Count - 4} more");
            o.WriteLine(Text.Invariant($"  {rule.Id,-20} {fired,5} {resolved,8} {own.Count - fired - resolved,5}  {devices}"));
        }
    }
}
