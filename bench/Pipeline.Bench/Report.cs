using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Pipeline.Bench;

/// <summary>One line of the report. <see cref="Value"/> is a double or a bool.</summary>
internal sealed record Metric(string Name, object Value, string Unit, string? Target = null, bool? Met = null, double? Peer = null, double? Ratio = null);

/// <summary>The <c>report</c> command: runs every measurement in-process with Stopwatch (no BenchmarkDotNet).</summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string[] args)
    {
        string? jsonPath = null;
        string? handler = null;
        var quick = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json" when i + 1 < args.Length:
                    jsonPath = args[++i];
                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--handler" when i + 1 < args.Length:
                    handler = Path.GetFullPath(args[++i]);
                    break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'; usage: report [--json FILE] [--quick] [--handler PUBLISHED_HANDLER]");
                    return 2;
            }
        }

        var total = Stopwatch.StartNew();
        var machine = MachineInfo.Collect();
        Console.WriteLine($"Pipeline benchmark report{(quick ? " (--quick: small sizes, not for publishing)" : string.Empty)}");
        Console.WriteLine($"machine: {machine.CpuModel}, {machine.LogicalCores} logical cores, {machine.Os}, {machine.Runtime}, GC {machine.Gc}");
        Console.WriteLine("numbers are from one run on one machine; this one is a shared 2-core machine (CI and other builds run beside it)");
        Console.WriteLine();

        var metrics = new List<Metric>();
        var notes = new List<string>();
        var sizes = quick ? Sizes.Quick : Sizes.Full;

        // JIT warm-up of both implementations on a small stream (discarded).
        Step("warm-up (JIT) on 1,000 keys", () => Measurements.ComparePeer(1_000, 40, 1));

        var peer = Step($"engine vs Rx peer: {sizes.PeerKeys:N0} keys x {sizes.PeerRounds} events", () => Measurements.ComparePeer(sizes.PeerKeys, sizes.PeerRounds, 2));
        Console.WriteLine($"  {peer.Events:N0} events; engine {peer.EngineEventsPerSec:N0}/s, Rx {peer.RxEventsPerSec:N0}/s; alerts engine {peer.EngineAlerts:N0}, Rx {peer.RxAlerts:N0}: {(peer.AlertsMatch ? "same" : "DIFFERENT")}");
        Console.WriteLine("  alerts by rule: " + string.Join(", ", peer.AlertsByRule.Select(p => $"{p.Key} {p.Value}")));
        foreach (var line in peer.Differences)
        {
            Console.WriteLine("  " + line);
        }

        var apply = Step($"engine apply, pre-decoded: {sizes.Keys:N0} keys", () => Measurements.MeasureApply(sizes.Keys, sizes.WarmupRounds, sizes.ApplyRounds, decode: false));
        PrintApply(apply);
        var decodeApply = Step($"engine decode + apply, JSON bodies: {sizes.Keys:N0} keys", () => Measurements.MeasureApply(sizes.Keys, sizes.WarmupRounds, sizes.DecodeRounds, decode: true));
        PrintApply(decodeApply);

        var breakdown = Step($"where the time goes: rule subsets, {sizes.Keys:N0} keys", () => Breakdown(sizes.Keys, sizes.WarmupRounds, sizes.BreakdownRounds));

        var latency = await StepAsync($"partition processor latency, in-memory ports: {sizes.Keys:N0} keys", () => Measurements.MeasureLatencyAsync(sizes.Keys, sizes.WarmupRounds, sizes.LatencyRounds)).ConfigureAwait(false);
        Console.WriteLine($"  {latency.Events:N0} events in {latency.Batches:N0} batches of {latency.BatchSize}; {latency.Alerts:N0} alerts; " +
            $"alert latency p50 {latency.P50Us:N0} us, p99 {latency.P99Us:N0} us, p99.9 {latency.P999Us:N0} us, max {latency.MaxUs:N0} us; " +
            $"batch p50 {latency.BatchP50Us:N0} us, p99 {latency.BatchP99Us:N0} us; {latency.EventsPerSec:N0} events/s; GC pauses {latency.GcPauseSeconds:F2} of {latency.Seconds:F2} s");

        var scaling = new List<ApplyRun>();
        var secondsPerEvent = 0.0;
        foreach (var (keys, warmup, rounds) in sizes.Scaling)
        {
            if (keys == sizes.Keys)
            {
                scaling.Add(apply);
                continue;
            }

            // Stay under the 5-minute budget on a busy machine: the largest size spends most of its time bringing
            // every key through the z-score warm-up. If that would not fit, warm up less and say so.
            var warm = warmup;
            var estimate = secondsPerEvent * keys * (warmup + rounds) * 1.5;
            if (secondsPerEvent > 0 && total.Elapsed.TotalSeconds + estimate > 270)
            {
                warm = 3;
                notes.Add($"scaling.{KeysLabel(keys)}: only {warm} warm-up rounds to stay within 5 minutes (estimated {estimate:F0} s for full warm-up): the z-score detector is still warming up, so this row is not steady state.");
            }

            var sw = Stopwatch.StartNew();
            var run = Step($"scaling: {keys:N0} keys", () => Measurements.MeasureApply(keys, warm, rounds, decode: false));
            secondsPerEvent = sw.Elapsed.TotalSeconds / ((double)keys * (warm + rounds));
            PrintApply(run);
            scaling.Add(run);
        }

        // The Function App: the published handler, when the Function App is in the tree (or a handler is named).
        var (functionApp, functionAppNote) = await FunctionAppAsync(handler, quick).ConfigureAwait(false);
        notes.Add(functionAppNote);

        // Metrics, in the order of the issue.
        var ratio = peer.EngineEventsPerSec / peer.RxEventsPerSec;
        metrics.Add(new Metric("engine.apply.eventsPerSec", Round(apply.MedianChunkEventsPerSec), "events/s", ">= 5000000", apply.MedianChunkEventsPerSec >= 5_000_000));
        metrics.Add(new Metric("engine.apply.eventsPerCpuSec", Round(apply.EventsPerCpuSec), "events/CPU-s", ">= 5000000", apply.EventsPerCpuSec >= 5_000_000));
        metrics.Add(new Metric("engine.decodeApply.eventsPerSec", Round(decodeApply.MedianChunkEventsPerSec), "events/s", ">= 1000000", decodeApply.MedianChunkEventsPerSec >= 1_000_000));
        metrics.Add(new Metric("engine.decodeApply.eventsPerCpuSec", Round(decodeApply.EventsPerCpuSec), "events/CPU-s", ">= 1000000", decodeApply.EventsPerCpuSec >= 1_000_000));
        metrics.Add(new Metric("engine.stateBytesPerKey", Math.Round(decodeApply.StateBytesPerKey, 1), "bytes", "<= 2048", decodeApply.StateBytesPerKey <= 2048));
        metrics.Add(new Metric("engine.stateBytesPerKey.max", decodeApply.StateBytesMax, "bytes", "<= 2048", decodeApply.StateBytesMax <= 2048));
        metrics.Add(new Metric("engine.allocBytesPerEvent", Math.Round(apply.AllocBytesPerEvent, 1), "bytes", "0 (steady state)", apply.AllocBytesPerEvent < 1));
        metrics.Add(new Metric("engine.decodeApply.allocBytesPerEvent", Math.Round(decodeApply.AllocBytesPerEvent, 1), "bytes"));
        metrics.Add(new Metric("latency.p50.us", Math.Round(latency.P50Us, 1), "us"));
        metrics.Add(new Metric("latency.p99.us", Math.Round(latency.P99Us, 1), "us"));
        metrics.Add(new Metric("latency.p99.9.us", Math.Round(latency.P999Us, 1), "us"));
        metrics.Add(new Metric("latency.alerts", latency.Alerts, "alerts"));
        metrics.Add(new Metric("processor.batch512.p50.us", Math.Round(latency.BatchP50Us, 1), "us"));
        metrics.Add(new Metric("processor.batch512.p99.us", Math.Round(latency.BatchP99Us, 1), "us"));
        metrics.Add(new Metric("processor.eventsPerSec", Round(latency.EventsPerSec), "events/s"));
        metrics.Add(new Metric("engine.vsRx.engine.eventsPerSec", Round(peer.EngineEventsPerSec), "events/s", null, null, Round(peer.RxEventsPerSec), Math.Round(ratio, 1)));
        metrics.Add(new Metric("engine.vsRx.ratio", Math.Round(ratio, 2), "x", ">= 10", ratio >= 10));
        var cpuRatio = peer.EngineEventsPerCpuSec / peer.RxEventsPerCpuSec;
        metrics.Add(new Metric("engine.vsRx.cpuRatio", Math.Round(cpuRatio, 2), "x", ">= 10", cpuRatio >= 10));
        metrics.Add(new Metric("peer.rx.eventsPerSec", Round(peer.RxEventsPerSec), "events/s"));
        metrics.Add(new Metric("peer.alertsMatch", peer.AlertsMatch, "bool", "true", peer.AlertsMatch));
        metrics.Add(new Metric("peer.alerts", peer.EngineAlerts, "alerts"));
        if (functionApp is { } f)
        {
            metrics.Add(new Metric("handler.ingest512.serverMs", Math.Round(f.IngestServerP50Ms, 3), "ms", "<= 2", f.IngestServerP50Ms <= 2));
            metrics.Add(new Metric("handler.ingest512.serverMs.p99", Math.Round(f.IngestServerP99Ms, 3), "ms"));
            metrics.Add(new Metric("handler.ingest512.roundTripMs", Math.Round(f.IngestRoundTripP50Ms, 3), "ms"));
            metrics.Add(new Metric("handler.startToGetMs", Math.Round(f.StartMedianMs, 1), "ms", "<= 300", f.StartMedianMs <= 300));
        }

        foreach (var (name, run) in breakdown)
        {
            metrics.Add(new Metric($"breakdown.rules.{name}.nsPerEvent", Math.Round(1e9 / run.EventsPerCpuSec), "ns/event (CPU)"));
        }

        foreach (var run in scaling)
        {
            var k = KeysLabel(run.Keys);
            metrics.Add(new Metric($"scaling.{k}.eventsPerSec", Round(run.MedianChunkEventsPerSec), "events/s"));
            metrics.Add(new Metric($"scaling.{k}.stateBytesPerKey", Math.Round(run.StateBytesPerKey, 1), "bytes", "<= 2048", run.StateBytesPerKey <= 2048));
            metrics.Add(new Metric($"scaling.{k}.heapBytesPerKey", Math.Round(run.HeapBytesPerKey), "bytes"));
            metrics.Add(new Metric($"scaling.{k}.allocBytesPerEvent", Math.Round(run.AllocBytesPerEvent, 1), "bytes", "0 (steady state)", run.AllocBytesPerEvent < 1));
        }

        notes.Add($"Rule set: BenchRules.Yaml (tumbling 1m avg temperature > 80 / clear < 75, zscore(vibration) history 100 threshold 4 warmup 30, heartbeat 2m), tolerance 5s.");
        notes.Add($"Events: key-interleaved rounds (one event per key per 10 s of event time), temperature + vibration + 2 labels, deterministic with injected anomalies; batches of {Measurements.BatchSize} grouped per key.");
        notes.Add("Throughput values are the median of 5 timed chunks (wall clock) after warm-up rounds; timed part = (decode +) group by key + KeyEngine.Apply + outbox drain, one thread. *.eventsPerCpuSec divide by the thread's CPU time instead (less sensitive to other processes on the shared machine).");
        notes.Add($"Peer: same {peer.Events:N0} events ({peer.Keys:N0} keys x {peer.Rounds} rounds) incl. key creation and a final advance; fastest of 2 runs each.");
        notes.Add("Latency: PartitionProcessor.ProcessAsync(RawEvent[512]) with memory store/sink/dead letters; batch submission to sink receipt (Stopwatch); its state writes use the processor's own parallelism.");

        total.Stop();
        metrics.Add(new Metric("report.seconds", Math.Round(total.Elapsed.TotalSeconds, 1), "s", "< 300", total.Elapsed.TotalSeconds < 300));

        Console.WriteLine();
        PrintTable(metrics);
        Console.WriteLine();
        foreach (var note in notes)
        {
            Console.WriteLine("note: " + note);
        }

        if (jsonPath is not null)
        {
            WriteJson(jsonPath, machine, metrics, notes, quick);
            Console.WriteLine($"wrote {jsonPath}");
        }

        return 0;
    }

    private static async Task<(FunctionAppRun? Run, string Note)> FunctionAppAsync(string? handler, bool quick)
    {
        // The handler lives in functions/Pipeline.Functions once the Function App work is merged; the foundation ships
        // only the project file, the handler itself (host.json, Program.cs) comes with that work.
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
        {
            dir = dir.Parent;
        }

        var landed = dir is not null && File.Exists(Path.Combine(dir.FullName, "functions", "Pipeline.Functions", "host.json"))
            && File.Exists(Path.Combine(dir.FullName, "functions", "Pipeline.Functions", "Program.cs"));
        if (handler is null && !landed)
        {
            return (null, "Function App (handler.ingest512.serverMs, handler.startToGetMs): not measured; the Function App has not landed in this tree (main).");
        }

        handler ??= Path.Combine(dir!.FullName, "out", "functions", "handler");
        if (!File.Exists(handler))
        {
            return (null, $"Function App: not measured; no published handler at {handler} (publish it first: dotnet publish functions/Pipeline.Functions -c Release -r linux-x64 -o out/functions, or pass --handler PATH).");
        }

        var (starts, rounds) = quick ? (3, 2) : (10, 10);
        var run = await StepAsync($"Function App handler {handler}: start-up x{starts}, Ingest 512-event invocations, 10,000 keys",
            () => FunctionAppBench.MeasureAsync(handler, starts, 10_000, 35, rounds)).ConfigureAwait(false);
        Console.WriteLine($"  start to GET /: median {run.StartMedianMs:F0} ms (min {run.StartMinMs:F0}, max {run.StartMaxMs:F0}, {run.StartRuns} runs); " +
            $"Ingest server time p50 {run.IngestServerP50Ms:F2} ms, p99 {run.IngestServerP99Ms:F2} ms, loopback round trip p50 {run.IngestRoundTripP50Ms:F2} ms ({run.Invocations} invocations)");
        return (run, $"Function App: {handler}{(landed ? string.Empty : " (NOT from this tree: the Function App has not landed in main)")}; in-memory state/alerts/dead letters, the benchmark rules; " +
            "server time as the handler logs it, after 35 rounds of warm-up invocations; start-up = process start to the first answered GET / (median).");
    }

    /// <summary>The <c>check</c> command: only the alert comparison, with the differences.</summary>
    public static int Check(string[] args)
    {
        var keys = args.Length > 0 ? int.Parse(args[0], Inv) : 1_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], Inv) : 150;
        var peer = Measurements.ComparePeer(keys, rounds, 1);
        Console.WriteLine($"{peer.Events:N0} events; engine {peer.EngineEventsPerSec:N0}/s, Rx {peer.RxEventsPerSec:N0}/s, ratio {peer.EngineEventsPerSec / peer.RxEventsPerSec:F1}");
        Console.WriteLine($"alerts engine {peer.EngineAlerts:N0}, Rx {peer.RxAlerts:N0}, match {peer.AlertsMatch}");
        Console.WriteLine("by rule: " + string.Join(", ", peer.AlertsByRule.Select(p => $"{p.Key} {p.Value}")));
        foreach (var line in peer.Differences)
        {
            Console.WriteLine(line);
        }

        return peer.AlertsMatch ? 0 : 1;
    }

    /// <summary>The <c>run</c> command: one measurement, for profilers.</summary>
    public static async Task<int> RunOneAsync(string[] args)
    {
        if (args.Length < 4)
        {
            Console.Error.WriteLine("usage: run apply|decode|latency|breakdown|rx KEYS WARMUP ROUNDS");
            return 2;
        }

        var keys = int.Parse(args[1], Inv);
        var warmup = int.Parse(args[2], Inv);
        var rounds = int.Parse(args[3], Inv);
        switch (args[0])
        {
            case "apply":
            case "decode":
                PrintApply(Measurements.MeasureApply(keys, warmup, rounds, decode: args[0] == "decode"));
                return 0;
            case "latency":
                var l = await Measurements.MeasureLatencyAsync(keys, warmup, rounds).ConfigureAwait(false);
                Console.WriteLine($"p50 {l.P50Us:N0} us, p99 {l.P99Us:N0} us, p99.9 {l.P999Us:N0} us, batch p50 {l.BatchP50Us:N0} us, {l.EventsPerSec:N0} events/s, {l.Alerts} alerts, GC pauses {l.GcPauseSeconds:F2} of {l.Seconds:F2} s");
                return 0;
            case "breakdown":
                Breakdown(keys, warmup, rounds);
                return 0;
            case "rx":
                var events = new Workload(keys).Generate(rounds);
                var alerts = new List<AlertKey>();
                var sw = Stopwatch.StartNew();
                Measurements.RunRx(events, alerts);
                Console.WriteLine($"rx: {events.Count / sw.Elapsed.TotalSeconds:N0} events/s, {alerts.Count} alerts");
                return 0;
            default:
                Console.Error.WriteLine($"unknown measurement '{args[0]}'");
                return 2;
        }
    }

    /// <summary>The same stream through subsets of the rule set: the engine's own bookkeeping, then what each rule adds.</summary>
    private static List<(string Name, ApplyRun Run)> Breakdown(int keys, int warmup, int rounds)
    {
        var all = BenchRules.RuleSet;
        (string Name, Pipeline.Core.Rules.Rule[] Rules)[] subsets =
        [
            ("none", []),
            ("overheat", [all.Rules[0]]),
            ("vibration-anomaly", [all.Rules[1]]),
            ("offline", [all.Rules[2]]),
            ("all", [.. all.Rules]),
        ];
        var result = new List<(string, ApplyRun)>();
        foreach (var (name, rules) in subsets)
        {
            var run = Measurements.MeasureApply(keys, warmup, rounds, decode: false, rules: all with { Rules = rules });
            Console.WriteLine($"  rules: {name,-18} {1e9 / run.EventsPerCpuSec,6:F0} ns/event (CPU), {1e9 / run.MedianChunkEventsPerSec,6:F0} ns/event (wall), alloc {run.AllocBytesPerEvent,5:F1} B/event, state {run.StateBytesPerKey,5:F0} B/key, heap {run.HeapBytesPerKey,5:F0} B/key");
            result.Add((name, run));
        }

        return result;
    }

    private static T Step<T>(string title, Func<T> run)
    {
        Console.WriteLine(title + " ...");
        var sw = Stopwatch.StartNew();
        var result = run();
        Console.WriteLine($"  ({sw.Elapsed.TotalSeconds:F1} s)");
        return result;
    }

    private static async Task<T> StepAsync<T>(string title, Func<Task<T>> run)
    {
        Console.WriteLine(title + " ...");
        var sw = Stopwatch.StartNew();
        var result = await run().ConfigureAwait(false);
        Console.WriteLine($"  ({sw.Elapsed.TotalSeconds:F1} s)");
        return result;
    }

    private static void PrintApply(ApplyRun run) =>
        Console.WriteLine($"  {run.Events:N0} events timed ({run.Seconds:F2} s): median chunk {run.MedianChunkEventsPerSec:N0}/s, overall {run.EventsPerSec:N0}/s, per CPU-s {run.EventsPerCpuSec:N0}; " +
            $"alloc {run.AllocBytesPerEvent:F1} B/event; state {run.StateBytesPerKey:F0} B/key (max {run.StateBytesMax}); heap {run.HeapBytesPerKey:F0} B/key; " +
            $"{run.Alerts:N0} alerts; GCs {run.Gen0}/{run.Gen1}/{run.Gen2}, GC pauses {run.GcPauseSeconds:F2} s");

    private static string KeysLabel(int keys) => keys >= 1_000_000 && keys % 1_000_000 == 0
        ? (keys / 1_000_000).ToString(Inv) + "M"
        : keys >= 1_000 && keys % 1_000 == 0 ? (keys / 1_000).ToString(Inv) + "k" : keys.ToString(Inv);

    private static double Round(double value) => Math.Round(value, value >= 100 ? 0 : 2);

    private static string Format(object value) => value switch
    {
        bool b => b ? "true" : "false",
        double d when double.IsNaN(d) => "n/a",
        double d when Math.Abs(d) >= 1000 => d.ToString("N0", Inv),
        double d => d.ToString("0.##", Inv),
        int i => i.ToString("N0", Inv),
        long l => l.ToString("N0", Inv),
        _ => Convert.ToString(value, Inv) ?? string.Empty,
    };

    private static void PrintTable(List<Metric> metrics)
    {
        var rows = metrics.Select(m => new[]
        {
            m.Name,
            Format(m.Value) + (m.Unit is "bool" or "x" ? string.Empty : " " + m.Unit),
            m.Target is null ? string.Empty : m.Target + (m.Met is { } met ? (met ? "  ok" : "  MISSED") : string.Empty),
            m.Peer is { } p ? Format(p) : string.Empty,
            m.Ratio is { } r ? r.ToString("0.0", Inv) + "x" : string.Empty,
        }).ToList();
        string[] header = ["metric", "value", "target", "peer (Rx)", "ratio"];
        var widths = Enumerable.Range(0, header.Length).Select(c => Math.Max(header[c].Length, rows.Max(r => r[c].Length))).ToArray();
        void Line(string[] cells) => Console.WriteLine(string.Join("  ", cells.Select((c, i) => i == 1 || i == 3 || i == 4 ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd());
        Line(header);
        Console.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            Line(row);
        }
    }

    private static void WriteJson(string path, MachineInfo machine, List<Metric> metrics, List<string> notes, bool quick)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteStartObject("machine");
        w.WriteString("cpuModel", machine.CpuModel);
        w.WriteNumber("logicalCores", machine.LogicalCores);
        w.WriteString("os", machine.Os);
        w.WriteString("runtime", machine.Runtime);
        w.WriteString("gc", machine.Gc);
        w.WriteString("date", machine.Date);
        w.WriteString("note", "one run on one machine, shared with other builds (2 cores)");
        w.WriteBoolean("quick", quick);
        w.WriteEndObject();
        w.WriteStartArray("metrics");
        foreach (var m in metrics)
        {
            w.WriteStartObject();
            w.WriteString("name", m.Name);
            switch (m.Value)
            {
                case bool b:
                    w.WriteBoolean("value", b);
                    break;
                case double d when double.IsNaN(d):
                    w.WriteNull("value");
                    break;
                default:
                    w.WriteNumber("value", Convert.ToDouble(m.Value, Inv));
                    break;
            }

            w.WriteString("unit", m.Unit);
            if (m.Target is null)
            {
                w.WriteNull("target");
            }
            else
            {
                w.WriteString("target", m.Target);
            }

            if (m.Met is { } met)
            {
                w.WriteBoolean("met", met);
            }

            if (m.Peer is { } peer)
            {
                w.WriteNumber("peer", peer);
            }

            if (m.Ratio is { } ratio)
            {
                w.WriteNumber("ratio", ratio);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("notes");
        foreach (var note in notes)
        {
            w.WriteStringValue(note);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>How big each measurement is: the full report stays under 5 minutes on the shared 2-core machine.</summary>
    private sealed record Sizes(int Keys, int WarmupRounds, int ApplyRounds, int DecodeRounds, int LatencyRounds, int BreakdownRounds, int PeerKeys, int PeerRounds,
        IReadOnlyList<(int Keys, int Warmup, int Rounds)> Scaling)
    {
        public static Sizes Full { get; } = new(10_000, 40, 100, 50, 60, 30, 10_000, 80,
            [(1_000, 40, 500), (10_000, 40, 100), (100_000, 32, 12), (1_000_000, 31, 6)]);

        public static Sizes Quick { get; } = new(2_000, 35, 20, 10, 10, 10, 1_000, 60,
            [(1_000, 35, 20), (2_000, 35, 20)]);
    }
}
