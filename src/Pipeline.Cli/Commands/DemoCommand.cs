using System.CommandLine;
using System.Diagnostics;
using Pipeline.Core.Alerts;
using Pipeline.Core.Rules;
using Pipeline.Hosting.Live;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary>
/// <c>pipeline demo</c>: the simulated fleet, fast-forwarded through simulated time. The same loop as <c>run</c>, on a
/// clock that jumps instead of waiting; every time comes from the simulation, so the same seed writes the same bytes.
/// </summary>
internal static class DemoCommand
{
    public static readonly DateTimeOffset DefaultStart = FastForwardOptions.DefaultStart;

    private sealed class Settings : LocalRunSettings, IFleetSettings
    {
        /// <summary>The simulated fleet, its time and the dashboard served afterwards; the flags set them.</summary>
        public FastForwardOptions Run { get; } = new();

        public int Devices { get => Run.Devices; set => Run.Devices = value; }

        public int Seed { get => Run.Seed; set => Run.Seed = value; }

        public TimeSpan Interval { get => Run.Interval; set => Run.Interval = value; }
    }

    public static Command Create(CliIo io) => new FlagTable<Settings>()
        .LocalRunFlags("Alert file, overwritten")
        .Duration("--duration", "Simulated time to run (default 60m: every injected fault once)", (s, v) => s.Run.Duration = v)
        .Fleet(interval: false)
        .Time("--start", "Simulated start time (default 2026-01-01T00:00:00Z)", (s, v) => s.Run.Start = v)
        .Switch("--serve", "After the demo, keep serving the dashboard at http://127.0.0.1:PORT/ until Ctrl+C", (s, v) => s.Run.Serve = v)
        .Int("--http-port", "Port on 127.0.0.1 of the dashboard for --serve; 0 picks a free one (default 5080)", 0, 65535, (s, v) => s.Run.HttpPort = v)
        .Command("demo", "Fast-forward a simulated fleet with injected faults through the rules: alert timeline and summary, in seconds", (s, ct) =>
        {
            if (s.Run.Duration <= TimeSpan.Zero)
            {
                throw new UserErrorException("--duration must be longer than 0s");
            }

            return ExecuteAsync(io, s, ct);
        });

    private static async Task<int> ExecuteAsync(CliIo io, Settings s, CancellationToken cancellationToken)
    {
        var (rules, rulesPath) = RulesFile.Load(s.Rules);
        var (start, duration) = (s.Run.Start, s.Run.Duration);
        var stopwatch = Stopwatch.StartNew();
        var options = s.Pipeline;
        options.Rules.Path = rulesPath;
        s.Run.Partitions = s.Partitions;
        var demo = new FastForwardRun(rules, options, s.Run,
            (run, ct) => CliPipeline.CreateAsync(rules, options, run with { Front = new ConsoleAlertSink(io.Stdout, io.Color) }, io, ct), io.Context.Time);
        var o = io.Stdout;
        o.WriteLine(Text.Invariant($"pipeline demo: {s.Devices} simulated devices, {DurationText.Format(duration)} from {start:yyyy-MM-dd HH:mm:ss}Z (seed {s.Seed}), fast-forwarded"));
        o.WriteLine("rules: " + Text.Rules(rules, rulesPath));
        o.WriteLine();
        o.WriteLine("Injected faults:");
        foreach (var fault in demo.Faults)
        {
            o.WriteLine(Text.Invariant($"  {fault.Window.Start:HH:mm:ss}-{fault.Window.End:HH:mm:ss}  {fault.Kind,-15} {fault.Description}"));
        }

        o.WriteLine();
        o.WriteLine("Alert timeline (simulated time):");
        FastForwardResult result;
        await using (demo)
        {
            result = await demo.RunAsync(cancellationToken).ConfigureAwait(false);
            if (s.Run.Serve)
            {
                await CliPipeline.ListeningAsync(demo.ServeAsync(server =>
                {
                    o.WriteLine();
                    o.WriteLine($"dashboard: {Text.Dashboard(server.Address)} (Ctrl+C to stop)");
                    io.Context.HttpListening?.Invoke(server.Address);
                }, cancellationToken)).ConfigureAwait(false);
            }
        }

        var delivered = result.Delivered;
        if (delivered.Count == 0)
        {
            o.WriteLine("  (no alerts)");
        }

        WriteRuleTable(o, rules, delivered);
        Summary.Write(o, result.Totals, stopwatch.Elapsed, result.PendingAlerts, stateIsDurable: false, deadLetterPath: null);
        o.WriteLine();
        o.WriteLine(Summary.Written(delivered.Count, options.Alerts.Path) + Text.Invariant($" {DurationText.Format(duration)} of simulated time took {stopwatch.Elapsed.TotalSeconds:0.0} s."));
        return 0;
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
