using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Cli;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Dashboard.Api;
using Pipeline.Local;

namespace Pipeline.Bench;

/// <summary>
/// <c>soak [--seconds 120] [--senders 4] [--devices 2000] [--batch 200] [--json FILE]</c>: the CLI's real
/// <c>run --source http --http-port 0 --sink jsonl</c>, in this process on loopback, fed over HTTP by a few concurrent
/// senders for the given time. Every sender owns its devices; every batch carries one record per device (the value
/// alternates above and below the hysteresis band, so every record flips its device's alert), every tenth batch adds two
/// malformed records and a resent copy of its first record. Every five seconds the bench forces a full collection and
/// samples this process's GC heap and working set, with the transitions the run has delivered so far (its
/// <c>/api/health</c>). At the end it checks the run's own accounting
/// (<c>in = applied + duplicate + late + dead-lettered + quarantined</c>) against the records it sent, and judges the
/// heap after the warm-up with <see cref="FlatMemory.Judge"/> (<see cref="MemoryRule"/>).
/// Bounded: a fixed fleet (so the per-device state is bounded), the run's alert list is not kept, the alerts go to a file
/// in a temporary folder that is deleted at the end.
/// </summary>
internal static partial class SoakBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// The warm-up lasts until the run has delivered more transitions than any of its bounded in-memory structures holds:
    /// the dashboard's alert history, the JSON Lines sink's remembered ids, the notification gate's open and closed
    /// decisions. Each transition enters each of them once, so by then all of them are full.
    /// </summary>
    public static FlatMemoryRule MemoryRule { get; } = new()
    {
        WarmUpTransitions = Math.Max(Math.Max(ProcessorApiSource.AlertsKept, JsonLinesAlertSink.DefaultRememberedIds),
            new NotificationGateOptions().MaxOpenDecisions + new NotificationGateOptions().ClosedDecisionsKept),
    };

    private const string Rules = """
        rules:
          - id: hot
            metric: temperature
            when: "> 80"
            clear: "< 75"
            severity: critical
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = 120;
        var senders = 4;
        var devices = 2000;
        var batch = 200;
        string? jsonPath = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option '{args[i]}' needs a value");
            switch (args[i])
            {
                case "--seconds": seconds = int.Parse(Next(), Inv); break;
                case "--senders": senders = int.Parse(Next(), Inv); break;
                case "--devices": devices = int.Parse(Next(), Inv); break;
                case "--batch": batch = int.Parse(Next(), Inv); break;
                case "--json": jsonPath = Next(); break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'; usage: soak [--seconds 120] [--senders 4] [--devices 2000] [--batch 200] [--json FILE]");
                    return 2;
            }
        }

        var dir = Directory.CreateTempSubdirectory("pipeline-soak-");
        try
        {
            return await SoakAsync(dir.FullName, seconds, senders, devices, batch, jsonPath).ConfigureAwait(false);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<int> SoakAsync(string dir, int seconds, int senders, int devices, int batch, string? jsonPath)
    {
        var rulesPath = Path.Combine(dir, "rules.yaml");
        await File.WriteAllTextAsync(rulesPath, Rules).ConfigureAwait(false);
        Console.WriteLine($"soak: {seconds} s, {senders} senders, {devices} devices, batches of {batch}; run --source http --sink jsonl on loopback");

        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new CliContext { HttpListening = uri => listening.TrySetResult(uri) };
        var stdout = new StringWriter(Inv);
        var stderr = new StringWriter(Inv);
        // The run stops itself a little after the senders, so everything sent has been taken in before its summary.
        string[] runArgs = ["run", "--source", "http", "--http-port", "0", "--rules", rulesPath, "--sink", "jsonl",
            "--out", Path.Combine(dir, "alerts.jsonl"), "--dead-letters", Path.Combine(dir, "dead.jsonl"),
            "--http-max-records", (batch + 10).ToString(Inv), "--for", (seconds + 10).ToString(Inv) + "s"];
        var run = Pipeline.Cli.CommandLine.RunAsync(runArgs, TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), context);
        if (await Task.WhenAny(listening.Task, run).ConfigureAwait(false) == run)
        {
            Console.Error.WriteLine($"soak: run ended before listening: exit {await run.ConfigureAwait(false)}: {stderr}");
            return 1;
        }

        var address = await listening.Task.ConfigureAwait(false);
        using var http = new HttpClient { BaseAddress = address };
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var samples = new List<HeapSample>();
        var clock = Stopwatch.StartNew();
        samples.Add(await TakeSampleAsync(http, clock).ConfigureAwait(false));
        var sending = Enumerable.Range(0, senders).Select(s => SendAsync(http, s, devices / senders, batch, stop.Token)).ToArray();
        while (!stop.IsCancellationRequested)
        {
            await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None), Task.WhenAll(sending)).ConfigureAwait(false);
            samples.Add(await TakeSampleAsync(http, clock).ConfigureAwait(false));
            var last = samples[^1];
            Console.WriteLine(string.Create(Inv,
                $"  {last.Seconds,6:0} s  heap {last.HeapBytes / 1048576.0,7:0.0} MB  working set {last.WorkingSetBytes / 1048576.0,7:0.0} MB  delivered {last.Delivered,11:N0}  waiting {last.Waiting,9:N0}{(last.Delivered < MemoryRule.WarmUpTransitions ? "  (warm-up)" : string.Empty)}"));
        }

        var sent = (await Task.WhenAll(sending).ConfigureAwait(false)).Aggregate(SenderTotals.Add);
        using (var health = await http.GetAsync(new Uri("/health", UriKind.Relative)).ConfigureAwait(false))
        {
            Console.WriteLine($"  health after sending: {await health.Content.ReadAsStringAsync().ConfigureAwait(false)}");
        }

        var exit = await run.ConfigureAwait(false);
        var summary = stdout.ToString();
        var accounting = AccountingLine().Match(summary);
        var alerts = AlertsLine().Match(summary);
        if (exit != 0 || !accounting.Success || !alerts.Success)
        {
            Console.Error.WriteLine($"soak: run exit {exit}; no summary found. stdout:\n{summary}\nstderr:\n{stderr}");
            return 1;
        }

        long Group(string name) => long.Parse(accounting.Groups[name].Value, Inv);
        var (received, applied, duplicate, late, deadLettered, quarantined) =
            (Group("in"), Group("applied"), Group("duplicate"), Group("late"), Group("dead"), Group("quarantined"));
        var delivered = long.Parse(alerts.Groups["delivered"].Value, NumberStyles.AllowThousands, Inv);

        // The sample at 0 s, before any load, is the idle baseline; the verdict leaves it out with the rest of the warm-up.
        var verdict = FlatMemory.Judge(samples, MemoryRule);
        var steady = samples.Where(s => s.Delivered >= MemoryRule.WarmUpTransitions).ToList();
        var warmedUp = steady.Count > 0 ? steady[0] : samples[^1];
        var middle = samples[samples.Count / 2];

        var accountingHolds = received == sent.Records && received == applied + duplicate + late + deadLettered + quarantined
            && deadLettered == sent.Malformed && sent.Rejected == sent.Malformed && sent.Accepted == sent.Records - sent.Malformed;
        var memoryFlat = verdict.Flat;
        var metrics = new List<(string Name, double Value)>
        {
            ("soak.seconds", clock.Elapsed.TotalSeconds),
            ("soak.records.sent", sent.Records),
            ("soak.records.malformedSent", sent.Malformed),
            ("soak.records.resent", sent.Resent),
            ("soak.requests", sent.Requests),
            ("soak.recordsPerSecond", sent.Records / (double)seconds),
            ("soak.run.in", received),
            ("soak.run.applied", applied),
            ("soak.run.duplicate", duplicate),
            ("soak.run.late", late),
            ("soak.run.deadLettered", deadLettered),
            ("soak.run.quarantined", quarantined),
            ("soak.alerts.delivered", delivered),
            ("soak.warmUp.transitions", MemoryRule.WarmUpTransitions),
            ("soak.warmUp.endSeconds", warmedUp.Seconds),
            ("soak.warmUp.samples", verdict.WarmUpSamples),
            ("soak.steady.samples", verdict.SteadySamples),
            ("soak.heapMB.start", samples[0].HeapBytes / 1048576.0),
            ("soak.heapMB.warmedUp", warmedUp.HeapBytes / 1048576.0),
            ("soak.heapMB.middle", middle.HeapBytes / 1048576.0),
            ("soak.heapMB.end", samples[^1].HeapBytes / 1048576.0),
            ("soak.heapMB.steadyMin", steady.Count > 0 ? steady.Min(s => s.HeapBytes) / 1048576.0 : double.NaN),
            ("soak.heapMB.steadyMax", steady.Count > 0 ? steady.Max(s => s.HeapBytes) / 1048576.0 : double.NaN),
            ("soak.heapMB.slopePerMinute", verdict.SlopeMBPerMinute),
            ("soak.heapMB.middleThirdMedian", verdict.MiddleMedianMB),
            ("soak.heapMB.lastThirdMedian", verdict.LastMedianMB),
            ("soak.heapMB.lastThirdBound", verdict.LastBoundMB),
            ("soak.workingSetMB.start", samples[0].WorkingSetBytes / 1048576.0),
            ("soak.workingSetMB.warmedUp", warmedUp.WorkingSetBytes / 1048576.0),
            ("soak.workingSetMB.middle", middle.WorkingSetBytes / 1048576.0),
            ("soak.workingSetMB.end", samples[^1].WorkingSetBytes / 1048576.0),
            ("soak.workingSetMB.steadyMax", steady.Count > 0 ? steady.Max(s => s.WorkingSetBytes) / 1048576.0 : double.NaN),
            ("soak.accountingHolds", accountingHolds ? 1 : 0),
            ("soak.memoryFlat", memoryFlat ? 1 : 0),
        };
        Console.WriteLine("  run summary:");
        foreach (var line in summary.Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal)))
        {
            Console.WriteLine("  " + line.TrimEnd());
        }

        foreach (var (name, value) in metrics)
        {
            Console.WriteLine($"{name,-36} {value.ToString("0.###", Inv)}");
        }

        Console.WriteLine($"memory rule: {MemoryRule.Describe()}");
        Console.WriteLine($"memory verdict: {verdict.Reason}");

        if (jsonPath is not null)
        {
            using var stream = File.Create(jsonPath);
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteStartObject("setup");
            w.WriteNumber("seconds", seconds);
            w.WriteNumber("senders", senders);
            w.WriteNumber("devices", devices);
            w.WriteNumber("batch", batch);
            w.WriteString("run", string.Join(' ', runArgs.Select(a => a.StartsWith(dir, StringComparison.Ordinal) ? Path.GetFileName(a) : a)));
            w.WriteString("memoryRule", MemoryRule.Describe());
            w.WriteEndObject();
            w.WriteString("memoryVerdict", verdict.Reason);
            w.WriteStartArray("metrics");
            foreach (var (name, value) in metrics)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                if (double.IsFinite(value))
                {
                    w.WriteNumber("value", Math.Round(value, 3));
                }
                else
                {
                    w.WriteNull("value");
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("samples");
            foreach (var s in samples)
            {
                w.WriteStartObject();
                w.WriteNumber("seconds", Math.Round(s.Seconds, 1));
                w.WriteNumber("heapMB", Math.Round(s.HeapBytes / 1048576.0, 2));
                w.WriteNumber("workingSetMB", Math.Round(s.WorkingSetBytes / 1048576.0, 2));
                w.WriteNumber("delivered", s.Delivered);
                w.WriteNumber("waiting", s.Waiting);
                w.WriteBoolean("warmUp", s.Delivered < MemoryRule.WarmUpTransitions);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            Console.WriteLine($"wrote {jsonPath}");
        }

        if (!accountingHolds)
        {
            Console.Error.WriteLine(string.Create(Inv,
                $"soak: accounting does not add up: sent {sent.Records} ({sent.Accepted} accepted, {sent.Rejected} rejected, {sent.Malformed} malformed) vs run in {received} = {applied} + {duplicate} + {late} + {deadLettered} + {quarantined}"));
            return 1;
        }

        if (!memoryFlat)
        {
            Console.Error.WriteLine($"soak: memory not shown flat: {verdict.Reason}");
            return 1;
        }

        Console.WriteLine("soak: every record accounted for; heap flat");
        return 0;
    }

    /// <summary>The transitions delivered so far (from the run's <c>/api/health</c>), then the heap after a full collection.</summary>
    private static async Task<HeapSample> TakeSampleAsync(HttpClient http, Stopwatch clock)
    {
        long delivered, waiting;
        using (var response = await http.GetAsync(new Uri("/api/health", UriKind.Relative)).ConfigureAwait(false))
        {
            response.EnsureSuccessStatusCode();
            using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
            var totals = health.RootElement.GetProperty("totals");
            delivered = totals.GetProperty("published").GetInt64();
            waiting = totals.TryGetProperty("outboxWaiting", out var w) ? w.GetInt64() : 0;
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        return new HeapSample(clock.Elapsed.TotalSeconds, heap, process.WorkingSet64, delivered, waiting);
    }

    /// <summary>One sender: its own devices, one record each per batch, timestamps never behind a device's last one.</summary>
    private static async Task<SenderTotals> SendAsync(HttpClient http, int sender, int devices, int batch, CancellationToken stop)
    {
        var totals = default(SenderTotals);
        var next = 0;
        var body = new StringBuilder();
        for (var round = 0; !stop.IsCancellationRequested; round++)
        {
            body.Clear();
            var ts = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", Inv);
            var lines = 0;
            var malformed = 0;
            string? firstLine = null;
            for (var i = 0; i < batch; i++, next = (next + 1) % devices)
            {
                // Each device alternates 90 (fires) and 70 (resolves) from one of its records to the next.
                var temperature = ((round * batch) + i) / devices % 2 == 0 ? 90 : 70;
                var line = $"{{\"deviceId\":\"s{sender}-d{next}\",\"ts\":\"{ts}\",\"temperature\":{temperature}}}";
                firstLine ??= line;
                body.Append(line).Append('\n');
                lines++;
            }

            var resent = 0;
            if (round % 10 == 0)
            {
                // A resent record (same device and time: applied again, HTTP has no delivery sequence to spot it) and two
                // that cannot be telemetry: one not JSON, one without a device.
                body.Append(firstLine).Append('\n');
                body.Append("{\"deviceId\":\"broken\",\"ts\":\n");
                body.Append(CultureInfo.InvariantCulture, $"{{\"ts\":\"{ts}\",\"temperature\":1}}\n");
                lines += 3;
                resent = 1;
                malformed = 2;
            }

            // Not cancelled mid-request: a cut-off request's records could not be counted. The loop checks the stop between requests.
            using var content = new StringContent(body.ToString(), Encoding.UTF8, "application/x-ndjson");
            var response = await http.PostAsync(new Uri("/telemetry", UriKind.Relative), content, CancellationToken.None).ConfigureAwait(false);
            using (response)
            {
                using var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync(CancellationToken.None).ConfigureAwait(false));
                if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.BadRequest))
                {
                    throw new InvalidOperationException($"ingest answered {(int)response.StatusCode}: {result.RootElement}");
                }

                totals = totals.Add(new SenderTotals(1, lines, result.RootElement.GetProperty("accepted").GetInt64(),
                    result.RootElement.GetProperty("rejected").GetInt64(), malformed, resent));
            }
        }

        return totals;
    }

    [GeneratedRegex(@"accounting +in (?<in>\d+) = applied (?<applied>\d+) \+ duplicate (?<duplicate>\d+) \+ late (?<late>\d+) \+ dead-lettered (?<dead>\d+) \+ quarantined (?<quarantined>\d+)")]
    private static partial Regex AccountingLine();

    [GeneratedRegex(@"alerts +(?<delivered>[\d,]+) delivered")]
    private static partial Regex AlertsLine();

    private readonly record struct SenderTotals(long Requests, long Records, long Accepted, long Rejected, long Malformed, long Resent)
    {
        public static SenderTotals Add(SenderTotals a, SenderTotals b) => a.Add(b);

        public SenderTotals Add(SenderTotals b) => new(Requests + b.Requests, Records + b.Records, Accepted + b.Accepted,
            Rejected + b.Rejected, Malformed + b.Malformed, Resent + b.Resent);
    }
}
