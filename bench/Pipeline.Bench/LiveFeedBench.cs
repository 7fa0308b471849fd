using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Dashboard.Api;
using Pipeline.Dashboard.Live;

namespace Pipeline.Bench;

/// <summary>
/// <c>livefeed [--devices 10000] [--rounds 2] [--pairs 160] [--warmup 20] [--json FILE]</c>: what an open dashboard's live feed costs
/// the processor. One <see cref="PartitionProcessor"/> (in-memory state) delivers its alerts to a <see cref="LiveFeed"/>
/// served by Kestrel on loopback, as the CLI's run does. The stream is cut into trials of <c>--rounds</c> rounds of every
/// device, each from a collected heap; each pair runs one trial without a subscriber (A) and one with a subscriber connected to
/// <c>GET /api/stream</c> (B: a separate <c>curl</c> process, standing in for the browser, so its reading is not counted
/// in this process), in the order A B, B A, A B, … so drift in the machine's load hits both arms alike. The first trial
/// <c>--warmup</c> trials (new keys, JIT tiering) are not counted. Each trial's throughput is events per second of wall time and per second of this
/// process's CPU time (processor, the feed's writer, the server's writes). The cost of a pair is 1 − B/A; the report
/// gives every trial, the median of each arm, and the paired costs' mean with a 95% Student-t interval and their median
/// with a distribution-free (sign-test order-statistic) interval. The processor's own share is measured directly too:
/// the delivering thread's CPU time inside <see cref="LiveFeed.Publish"/>.
/// </summary>
internal static class LiveFeedBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string[] args)
    {
        var devices = 10_000;
        var rounds = 2;
        var pairs = 160;
        var warmup = 20;
        string? jsonPath = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option '{args[i]}' needs a value");
            switch (args[i])
            {
                case "--devices": devices = int.Parse(Next(), Inv); break;
                case "--rounds": rounds = int.Parse(Next(), Inv); break;
                case "--pairs": pairs = int.Parse(Next(), Inv); break;
                case "--warmup": warmup = int.Parse(Next(), Inv); break;
                case "--json": jsonPath = Next(); break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'; usage: livefeed [--devices 10000] [--rounds 2] [--pairs 160] [--warmup 20] [--json FILE]");
                    return 2;
            }
        }

        if (pairs < 2 || rounds < 1 || warmup < 1)
        {
            Console.Error.WriteLine("livefeed needs --pairs 2 or more (8 or more for a useful interval), --rounds 1 or more and --warmup 1 or more");
            return 2;
        }

        Console.WriteLine($"livefeed: {devices} devices, trials of {rounds} rounds, {warmup} warm-up trials, {pairs} pairs (A without, B with a subscriber)");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        var feed = new LiveFeed(TimeProvider.System);
        feed.Map(app, new HealthOnlySource());
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var sink = new FeedSink(feed);
        using var processor = new PartitionProcessor(BenchRules.RuleSet, new MemoryStateStore(), sink, new MemoryDeadLetterStore(),
            new ProcessorOptions { Environment = BenchRules.Environment });
        var workload = new Workload(devices);
        var round = 0;

        async Task<Segment> RunSegmentAsync()
        {
            // Every trial starts from a collected heap, so a collection the previous trial left due is not charged to this one.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var published = sink.Published;
            var publishNs = sink.PublishCpuNanoseconds;
            var clock = Stopwatch.StartNew();
            long events = 0;
            var batch = new List<Telemetry>(512);
            for (var r = 0; r < rounds; r++, round++)
            {
                var now = Workload.Start.AddSeconds((round + 1) * Workload.RoundSeconds);
                for (var key = 0; key < devices; key++)
                {
                    if (workload.Create(key, round) is { } e)
                    {
                        batch.Add(e);
                        if (batch.Count == 512)
                        {
                            await processor.ProcessAsync(batch, now).ConfigureAwait(false);
                            events += batch.Count;
                            batch = new List<Telemetry>(512);
                        }
                    }
                }

                if (batch.Count > 0)
                {
                    await processor.ProcessAsync(batch, now).ConfigureAwait(false);
                    events += batch.Count;
                    batch = new List<Telemetry>(512);
                }

                if (round % 3 == 2)
                {
                    await processor.SweepAsync(now).ConfigureAwait(false);
                }
            }

            var wall = clock.Elapsed.TotalSeconds;
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            return new Segment(events, wall, cpuSeconds, sink.Published - published, (sink.PublishCpuNanoseconds - publishNs) / 1e9);
        }

        // New keys, JIT and its tiering up: the first trials run slower and are not counted.
        for (var i = 0; i < warmup; i++)
        {
            await RunSegmentAsync().ConfigureAwait(false);
        }

        var without = new List<Segment>();
        var with = new List<Segment>();
        long alertsReceived = 0;
        Console.WriteLine("pair order   A events/s   B events/s   A events/CPU-s   B events/CPU-s   B alerts   B publish CPU ms");
        for (var pair = 0; pair < pairs; pair++)
        {
            var order = pair % 2 == 0 ? new[] { false, true } : [true, false];
            foreach (var subscribed in order)
            {
                if (!subscribed)
                {
                    without.Add(await RunSegmentAsync().ConfigureAwait(false));
                    continue;
                }

                var received = Path.GetTempFileName();
                using var curl = Process.Start(new ProcessStartInfo("curl", ["-sN", "-o", received, address + "/api/stream"]) { UseShellExecute = false })
                    ?? throw new InvalidOperationException("could not start curl (it stands in for the browser)");
                while (feed.Subscribers == 0)
                {
                    if (curl.HasExited)
                    {
                        throw new InvalidOperationException($"curl could not subscribe to {address}/api/stream (exit code {curl.ExitCode})");
                    }

                    await Task.Delay(10).ConfigureAwait(false);
                }

                // The subscriber has read the stream's first frame: its start-up is over before the trial's clock starts.
                while (new FileInfo(received).Length == 0 && !curl.HasExited)
                {
                    await Task.Delay(10).ConfigureAwait(false);
                }

                with.Add(await RunSegmentAsync().ConfigureAwait(false));

                // Give the subscriber a moment to read what the trial queued, then disconnect it.
                await Task.Delay(200).ConfigureAwait(false);
                curl.Kill();
                await curl.WaitForExitAsync().ConfigureAwait(false);
                alertsReceived += File.ReadAllLines(received).Count(l => l.StartsWith("event: alert", StringComparison.Ordinal));
                File.Delete(received);
                while (feed.Subscribers > 0)
                {
                    await Task.Delay(10).ConfigureAwait(false);
                }
            }

            var a = without[^1];
            var b = with[^1];
            Console.WriteLine(string.Create(Inv, $"{pair + 1,4} {(order[0] ? "B A" : "A B"),5} {a.Events / a.WallSeconds,12:0} {b.Events / b.WallSeconds,12:0} {a.Events / a.CpuSeconds,16:0} {b.Events / b.CpuSeconds,16:0} {b.Alerts,10} {b.PublishCpuSeconds * 1000,18:0.000}"));
        }

        await app.StopAsync().ConfigureAwait(false);
        var wallWithout = PairedStatistics.MedianOf(without.Select(s => s.Events / s.WallSeconds));
        var wallWith = PairedStatistics.MedianOf(with.Select(s => s.Events / s.WallSeconds));
        var cpuWithout = PairedStatistics.MedianOf(without.Select(s => s.Events / s.CpuSeconds));
        var cpuWith = PairedStatistics.MedianOf(with.Select(s => s.Events / s.CpuSeconds));

        // The cost of each pair, in percent: 1 − B/A (positive when the subscriber slows the processor).
        var wallCost = PairedStatistics.Of(without.Zip(with, (a, b) => (1 - ((b.Events / b.WallSeconds) / (a.Events / a.WallSeconds))) * 100).ToArray());
        var cpuCost = PairedStatistics.Of(without.Zip(with, (a, b) => (1 - ((b.Events / b.CpuSeconds) / (a.Events / a.CpuSeconds))) * 100).ToArray());

        // The feed writer's work per alert, off the processor's path: one serialization (and its SSE frame) per alert.
        var serializeStart = ThreadCpuTime.NowNanoseconds();
        var serialized = 0;
        for (var repeat = 0; repeat < 20; repeat++)
        {
            foreach (var alert in sink.Recent)
            {
                serialized += alert.ToJsonBytes().Length > 0 ? 1 : 0;
            }
        }

        var serializeMicroseconds = (ThreadCpuTime.NowNanoseconds() - serializeStart) / 1e3 / Math.Max(1, serialized);
        var serializeShare = PairedStatistics.MedianOf(with.Select(s => s.Alerts * serializeMicroseconds / 1e6 / s.CpuSeconds * 100));

        // The delivering thread's CPU time inside Publish against the trial's process CPU time: the processor's own share.
        var publishShare = PairedStatistics.MedianOf(with.Select(s => s.PublishCpuSeconds / s.CpuSeconds * 100));
        var metrics = new List<(string Name, double Value)>
        {
            ("livefeed.devices", devices),
            ("livefeed.eventsPerTrial", without[0].Events),
            ("livefeed.pairs", pairs),
            ("livefeed.alertsPerTrial", PairedStatistics.MedianOf(with.Select(s => (double)s.Alerts))),
            ("livefeed.alertsReceivedBySubscriber", alertsReceived),
            ("livefeed.eventsPerSecond.without", wallWithout),
            ("livefeed.eventsPerSecond.with", wallWith),
            ("livefeed.costPercent.wall.mean", wallCost.Mean),
            ("livefeed.costPercent.wall.ci95.low", wallCost.MeanLow),
            ("livefeed.costPercent.wall.ci95.high", wallCost.MeanHigh),
            ("livefeed.costPercent.wall.median", wallCost.Median),
            ("livefeed.costPercent.wall.medianCi.low", wallCost.MedianLow),
            ("livefeed.costPercent.wall.medianCi.high", wallCost.MedianHigh),
            ("livefeed.eventsPerCpuSecond.without", cpuWithout),
            ("livefeed.eventsPerCpuSecond.with", cpuWith),
            ("livefeed.costPercent.cpu.mean", cpuCost.Mean),
            ("livefeed.costPercent.cpu.ci95.low", cpuCost.MeanLow),
            ("livefeed.costPercent.cpu.ci95.high", cpuCost.MeanHigh),
            ("livefeed.costPercent.cpu.median", cpuCost.Median),
            ("livefeed.costPercent.cpu.medianCi.low", cpuCost.MedianLow),
            ("livefeed.costPercent.cpu.medianCi.high", cpuCost.MedianHigh),
            ("livefeed.medianCi.coveragePercent", cpuCost.MedianCoverage * 100),
            ("livefeed.publishCpuPercentOfTrial", publishShare),
            ("livefeed.serializeCpuMicrosecondsPerAlert", serializeMicroseconds),
            ("livefeed.serializeCpuPercentOfTrial", serializeShare),
            ("livefeed.publishCpuMicrosecondsPerAlert", PairedStatistics.MedianOf(with.Where(s => s.Alerts > 0).Select(s => s.PublishCpuSeconds * 1e6 / s.Alerts))),
        };
        foreach (var (name, value) in metrics)
        {
            Console.WriteLine($"{name,-42} {value.ToString("0.###", Inv)}");
        }

        Console.WriteLine(string.Create(Inv, $"cost by wall time: mean {wallCost.Mean:0.00}% (95% t interval {wallCost.MeanLow:0.00}% to {wallCost.MeanHigh:0.00}%), median {wallCost.Median:0.00}% ({wallCost.MedianCoverage * 100:0.0}% sign-test interval {wallCost.MedianLow:0.00}% to {wallCost.MedianHigh:0.00}%)"));
        Console.WriteLine(string.Create(Inv, $"cost by CPU time:  mean {cpuCost.Mean:0.00}% (95% t interval {cpuCost.MeanLow:0.00}% to {cpuCost.MeanHigh:0.00}%), median {cpuCost.Median:0.00}% ({cpuCost.MedianCoverage * 100:0.0}% sign-test interval {cpuCost.MedianLow:0.00}% to {cpuCost.MedianHigh:0.00}%)"));
        Console.WriteLine(string.Create(Inv, $"processor path: Publish took {publishShare:0.0000}% of a trial's CPU time (median over the B trials)"));
        Console.WriteLine(string.Create(Inv, $"feed writer: serializing an alert takes {serializeMicroseconds:0.0} us of CPU, {serializeShare:0.0000}% of a trial's CPU time at its alert rate"));

        if (jsonPath is not null)
        {
            using var stream = File.Create(jsonPath);
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteStartObject("setup");
            w.WriteNumber("devices", devices);
            w.WriteNumber("roundsPerSegment", rounds);
            w.WriteNumber("pairs", pairs);
            w.WriteNumber("warmupTrials", warmup);
            w.WriteString("subscriber", "curl -sN on GET /api/stream (a separate process)");
            w.WriteString("order", "A B, B A, A B, ... (A without, B with a subscriber)");
            w.WriteString("interval", "cost = 1 - B/A per pair; mean with a 95% Student-t interval; median with a sign-test order-statistic interval");
            w.WriteEndObject();
            w.WriteStartArray("trials");
            for (var i = 0; i < pairs; i++)
            {
                foreach (var (arm, t) in new[] { ("A", without[i]), ("B", with[i]) })
                {
                    w.WriteStartObject();
                    w.WriteNumber("pair", i + 1);
                    w.WriteString("arm", arm);
                    w.WriteNumber("events", t.Events);
                    w.WriteNumber("wallSeconds", Math.Round(t.WallSeconds, 4));
                    w.WriteNumber("cpuSeconds", Math.Round(t.CpuSeconds, 4));
                    w.WriteNumber("alerts", t.Alerts);
                    w.WriteNumber("publishCpuSeconds", Math.Round(t.PublishCpuSeconds, 6));
                    w.WriteEndObject();
                }
            }

            w.WriteEndArray();
            w.WriteStartArray("metrics");
            foreach (var (name, value) in metrics)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteNumber("value", Math.Round(value, 3));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            Console.WriteLine($"wrote {jsonPath}");
        }

        return 0;
    }

    private sealed record Segment(long Events, double WallSeconds, double CpuSeconds, long Alerts, double PublishCpuSeconds);

    /// <summary>Delivers like the CLI's run: the alerts go to the live feed once the sink has them.</summary>
    private sealed class FeedSink(LiveFeed feed) : IAlertSink
    {
        public long Published { get; private set; }

        /// <summary>CPU time of the delivering thread inside <see cref="LiveFeed.Publish"/>: what the feed costs the processor's path.</summary>
        public long PublishCpuNanoseconds { get; private set; }

        /// <summary>The latest delivered alerts (up to 1,000), to time the feed writer's serialization afterwards.</summary>
        public List<AlertEvent> Recent { get; } = new(1000);

        public Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
        {
            Published += alerts.Count;
            foreach (var a in alerts)
            {
                if (Recent.Count < 1000)
                {
                    Recent.Add(a);
                }
            }

            var start = ThreadCpuTime.NowNanoseconds();
            feed.Publish(alerts);
            PublishCpuNanoseconds += ThreadCpuTime.NowNanoseconds() - start;
            return Task.CompletedTask;
        }
    }

    /// <summary>The stream sends the health once a second; nothing else of the Api is served here.</summary>
    private sealed class HealthOnlySource : IPipelineApiSource
    {
        public ApiHealth GetHealth() => new(true, new HealthResponse("healthy", null, BenchRules.Environment, BenchRules.RuleSet.Version, null, null));

        public Task<KeyView?> GetDeviceAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<AlertEvent>> QueryAlertsAsync(AlertQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IMetricHistory> GetHistoryAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<RuleSet> GetRulesAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
