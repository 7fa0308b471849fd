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
/// <c>livefeed [--devices 10000] [--rounds 10] [--pairs 5] [--json FILE]</c>: what an open dashboard's live feed costs
/// the processor. One <see cref="PartitionProcessor"/> (in-memory state) delivers its alerts to a <see cref="LiveFeed"/>
/// served by Kestrel on loopback, as the CLI's run does. The stream is cut into segments of <c>--rounds</c> rounds of
/// every device; each pair of segments runs one without a subscriber and one with a subscriber connected to
/// <c>GET /api/stream</c> (a separate <c>curl</c> process, standing in for the browser, so its reading is not counted
/// in this process), the order alternating from pair to pair so drift in the machine's load hits both alike. The first
/// segment (new keys, JIT) is not counted. Throughput is events per second of wall time and per second of this
/// process's CPU time (processor, feed and the server's writes); the cost is one minus the ratio of the medians.
/// </summary>
internal static class LiveFeedBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string[] args)
    {
        var devices = 10_000;
        var rounds = 10;
        var pairs = 5;
        string? jsonPath = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option '{args[i]}' needs a value");
            switch (args[i])
            {
                case "--devices": devices = int.Parse(Next(), Inv); break;
                case "--rounds": rounds = int.Parse(Next(), Inv); break;
                case "--pairs": pairs = int.Parse(Next(), Inv); break;
                case "--json": jsonPath = Next(); break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'; usage: livefeed [--devices 10000] [--rounds 10] [--pairs 5] [--json FILE]");
                    return 2;
            }
        }

        Console.WriteLine($"livefeed: {devices} devices, segments of {rounds} rounds, {pairs} pairs (without/with a subscriber)");
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
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var published = sink.Published;
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
            return new Segment(events, wall, cpuSeconds, sink.Published - published);
        }

        await RunSegmentAsync().ConfigureAwait(false);
        var without = new List<Segment>();
        var with = new List<Segment>();
        long alertsReceived = 0;
        for (var pair = 0; pair < pairs; pair++)
        {
            foreach (var subscribed in pair % 2 == 0 ? new[] { false, true } : [true, false])
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

                with.Add(await RunSegmentAsync().ConfigureAwait(false));

                // Give the subscriber a moment to read what the segment queued, then disconnect it.
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
        }

        await app.StopAsync().ConfigureAwait(false);
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        var wallWithout = Median(without.Select(s => s.Events / s.WallSeconds));
        var wallWith = Median(with.Select(s => s.Events / s.WallSeconds));
        var cpuWithout = Median(without.Select(s => s.Events / s.CpuSeconds));
        var cpuWith = Median(with.Select(s => s.Events / s.CpuSeconds));
        var metrics = new List<(string Name, double Value)>
        {
            ("livefeed.devices", devices),
            ("livefeed.eventsPerSegment", without[0].Events),
            ("livefeed.pairs", pairs),
            ("livefeed.alertsPerSegment", Median(with.Select(s => (double)s.Alerts))),
            ("livefeed.alertsReceivedBySubscriber", alertsReceived),
            ("livefeed.eventsPerSecond.without", wallWithout),
            ("livefeed.eventsPerSecond.with", wallWith),
            ("livefeed.costPercent.wall", (1 - (wallWith / wallWithout)) * 100),
            ("livefeed.eventsPerCpuSecond.without", cpuWithout),
            ("livefeed.eventsPerCpuSecond.with", cpuWith),
            ("livefeed.costPercent.cpu", (1 - (cpuWith / cpuWithout)) * 100),
        };
        foreach (var (name, value) in metrics)
        {
            Console.WriteLine($"{name,-40} {value.ToString("0.###", Inv)}");
        }

        foreach (var (name, segments) in new[] { ("without", without), ("with", with) })
        {
            Console.WriteLine($"{name,-8} events/s: {string.Join(", ", segments.Select(s => (s.Events / s.WallSeconds).ToString("0", Inv)))}; " +
                $"events/CPU-s: {string.Join(", ", segments.Select(s => (s.Events / s.CpuSeconds).ToString("0", Inv)))}");
        }

        if (jsonPath is not null)
        {
            using var stream = File.Create(jsonPath);
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteStartObject("setup");
            w.WriteNumber("devices", devices);
            w.WriteNumber("roundsPerSegment", rounds);
            w.WriteNumber("pairs", pairs);
            w.WriteString("subscriber", "curl -sN on GET /api/stream (a separate process)");
            w.WriteEndObject();
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

    private sealed record Segment(long Events, double WallSeconds, double CpuSeconds, long Alerts);

    /// <summary>Delivers like the CLI's run: the alerts go to the live feed once the sink has them.</summary>
    private sealed class FeedSink(LiveFeed feed) : IAlertSink
    {
        public long Published { get; private set; }

        public Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
        {
            Published += alerts.Count;
            feed.Publish(alerts);
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
