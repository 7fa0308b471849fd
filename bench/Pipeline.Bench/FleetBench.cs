using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.State;
using Pipeline.Dashboard.Api;

namespace Pipeline.Bench;

/// <summary>
/// <c>fleet [--devices 10000] [--rounds 20] [--requests 50]</c>: how long the Api takes to answer the fleet view's first
/// page (<c>GET /api/devices</c>, served by Kestrel on loopback as the CLI's run serves it) over a fleet the processor
/// has filled, first request (cold) and then repeated (warm), with events still being applied between requests.
/// </summary>
internal static class FleetBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string[] args)
    {
        var devices = 10_000;
        var rounds = 20;
        var requests = 50;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option '{args[i]}' needs a value");
            switch (args[i])
            {
                case "--devices": devices = int.Parse(Next(), Inv); break;
                case "--rounds": rounds = int.Parse(Next(), Inv); break;
                case "--requests": requests = int.Parse(Next(), Inv); break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'; usage: fleet [--devices 10000] [--rounds 20] [--requests 50]");
                    return 2;
            }
        }

        var source = new ProcessorApiSource(BenchRules.RuleSet, () => DateTimeOffset.UtcNow, TimeProvider.System);
        var sink = new DeliveredSink(source);
        using var processor = new PartitionProcessor(BenchRules.RuleSet, new MemoryStateStore(), sink, new MemoryDeadLetterStore(),
            new ProcessorOptions { Environment = BenchRules.Environment, History = source.History });
        var workload = new Workload(devices);
        var round = 0;
        async Task ApplyRoundAsync()
        {
            var now = Workload.Start.AddSeconds((round + 1) * Workload.RoundSeconds);
            var batch = new List<Telemetry>(512);
            for (var key = 0; key < devices; key++)
            {
                if (workload.Create(key, round) is { } e)
                {
                    batch.Add(e);
                    if (batch.Count == 512)
                    {
                        await processor.ProcessAsync(batch, now).ConfigureAwait(false);
                        batch = new List<Telemetry>(512);
                    }
                }
            }

            if (batch.Count > 0)
            {
                await processor.ProcessAsync(batch, now).ConfigureAwait(false);
            }

            round++;
        }

        for (var r = 0; r < rounds; r++)
        {
            await ApplyRoundAsync().ConfigureAwait(false);
        }

        var firing = await source.Alerts.QueryAsync(new AlertQuery(FiringOnly: true, Since: null, Max: 50_000)).ConfigureAwait(false);
        Console.WriteLine($"fleet: {source.History.DeviceCount} devices after {rounds} rounds, {firing.Count} alerts firing or pending");

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.MapPipelineApi(source, NullLogger.Instance);
        await app.StartAsync().ConfigureAwait(false);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var http = new HttpClient { BaseAddress = address };

        async Task<(double Ms, int Bytes)> GetPageAsync()
        {
            var clock = Stopwatch.StartNew();
            var body = await http.GetByteArrayAsync(new Uri("/api/devices?offset=0&limit=100", UriKind.Relative)).ConfigureAwait(false);
            return (clock.Elapsed.TotalMilliseconds, body.Length);
        }

        var cold = await GetPageAsync().ConfigureAwait(false);
        var warm = new List<double>(requests);
        var stages = new Stages(requests);
        var query = new FleetQuery(null, null, null, null, 0, 100);
        var options = new FleetOptions();
        for (var i = 0; i < requests; i++)
        {
            // The fleet changes between requests, as it does under a live feed.
            await ApplyRoundAsync().ConfigureAwait(false);
            warm.Add((await GetPageAsync().ConfigureAwait(false)).Ms);

            // The same answer's stages in this process, without HTTP: where a warm request's time goes.
            var clock = Stopwatch.StartNew();
            var listed = await source.History.ListAsync().ConfigureAwait(false);
            var listMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            var alerts = await source.QueryAlertsAsync(new AlertQuery(FiringOnly: true, Since: null, Max: options.MaxFiringAlerts), CancellationToken.None).ConfigureAwait(false);
            var alertsMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            var response = FleetView.Build(listed, alerts, query, options.SilentAfter);
            var buildMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            _ = JsonSerializer.SerializeToUtf8Bytes(response, PipelineApi.Json.DeviceListResponse);
            stages.Add(listMs, alertsMs, buildMs, clock.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine(string.Create(Inv, $"GET /api/devices first page ({cold.Bytes} bytes): cold {cold.Ms:0.0} ms; warm over {requests} requests {Summary(warm)}"));
        Console.WriteLine(string.Create(Inv, $"  in process: ListAsync {Summary(stages.List)}; firing alerts {Summary(stages.Alerts)}; FleetView.Build {Summary(stages.Build)}; JSON {Summary(stages.Json)}"));
        await app.StopAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>Median, 95th percentile (nearest rank) and maximum.</summary>
    private static string Summary(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var p95 = sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(sorted.Length * 0.95) - 1)];
        return string.Create(Inv, $"p50 {sorted[sorted.Length / 2]:0.00} ms, p95 {p95:0.00} ms, max {sorted[^1]:0.00} ms");
    }

    private sealed class Stages(int capacity)
    {
        public List<double> List { get; } = new(capacity);

        public List<double> Alerts { get; } = new(capacity);

        public List<double> Build { get; } = new(capacity);

        public List<double> Json { get; } = new(capacity);

        public void Add(double list, double alerts, double build, double json)
        {
            List.Add(list);
            Alerts.Add(alerts);
            Build.Add(build);
            Json.Add(json);
        }
    }

    private sealed class DeliveredSink(ProcessorApiSource source) : IAlertSink
    {
        public Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
        {
            source.OnDelivered(alerts);
            return Task.CompletedTask;
        }
    }
}
