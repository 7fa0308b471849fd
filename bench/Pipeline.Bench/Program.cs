using BenchmarkDotNet.Running;

namespace Pipeline.Bench;

/// <summary>
/// <c>report [--json FILE] [--quick]</c>: the one-screen report (no BenchmarkDotNet).
/// <c>storage --devices N [--json FILE]</c>: Table storage transactions per event against Azurite.
/// <c>livefeed [--devices N] [--rounds N] [--pairs N] [--warmup N] [--json FILE]</c>: processor throughput without and with a live-feed subscriber, interleaved pairs with a 95% interval.
/// <c>soak [--seconds 120] [--json FILE]</c>: the CLI's run with HTTP ingest under load; flat memory, every record accounted for.
/// <c>fleet [--devices N] [--rounds N] [--requests N]</c>: the Api's answer to the fleet view's first page, cold and warm.
/// <c>instrumentation [KEYS] [WARMUP] [ROUNDS]</c>: the processor with its telemetry off, metrics collected, and spans too.
/// <c>check [KEYS] [ROUNDS]</c>: only the engine-vs-Rx alert comparison.
/// <c>run apply|decode|latency|breakdown|rx KEYS WARMUP ROUNDS</c>: one measurement (for profiling with perf or callgrind).
/// <c>bdn [BenchmarkDotNet args]</c> or no command: the BenchmarkDotNet micro-benchmarks.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var command = args.Length > 0 ? args[0] : string.Empty;
        switch (command)
        {
            case "report":
                return await Report.RunAsync(args[1..]).ConfigureAwait(false);
            case "storage":
                return await StorageBench.RunAsync(args[1..]).ConfigureAwait(false);
            case "livefeed":
                return await LiveFeedBench.RunAsync(args[1..]).ConfigureAwait(false);
            case "soak":
                return await SoakBench.RunAsync(args[1..]).ConfigureAwait(false);
            case "fleet":
                return await FleetBench.RunAsync(args[1..]).ConfigureAwait(false);
            case "instrumentation":
                return await InstrumentationCost.RunAsync(args[1..]).ConfigureAwait(false);
            case "check":
                return Report.Check(args[1..]);
            case "run":
                return await Report.RunOneAsync(args[1..]).ConfigureAwait(false);
            case "bdn":
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
                return 0;
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                return 0;
        }
    }
}
