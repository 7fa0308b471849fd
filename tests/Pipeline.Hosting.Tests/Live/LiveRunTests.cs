using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Core.Alerts;
using Pipeline.Core.RuleSets;
using Pipeline.Hosting.Live;

namespace Pipeline.Hosting.Tests.Live;

/// <summary>A live run over real loopback HTTP, in-memory ports and a fake clock that the tests never need to advance.</summary>
public sealed class LiveRunTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private const string RulesText = """
        defaults: { outOfOrderTolerance: 0s }
        rules:
          - id: hot
            metric: temperature
            when: "> 80"
        """;

    private readonly TempDir _dir = new();

    // Processing time is ten minutes after the events, so none is ahead of its arrival.
    private readonly FakeTimeProvider _time = new(T0.AddMinutes(10));
    private readonly MemoryAlertSink _front = new();
    private int _pipelinesCreated;

    public void Dispose() => _dir.Dispose();

    private static string Event(string device, int minute, int temperature) =>
        $"{{\"deviceId\":\"{device}\",\"ts\":\"{T0.AddMinutes(minute):yyyy-MM-ddTHH:mm:ssZ}\",\"temperature\":{temperature}}}";

    private async Task<LiveRun> StartAsync(LiveRunOptions options, Stream? file = null)
    {
        await File.WriteAllTextAsync(_dir.File("rules.yaml"), RulesText);
        var pipelineOptions = TestPipeline.Options(_dir.File("rules.yaml"));
        var rules = RuleSetLoader.Load(RulesText).RuleSet!;
        return await LiveRun.StartAsync(rules, pipelineOptions, options, new LiveRunContext
        {
            CreatePipeline = (run, ct) =>
            {
                _pipelinesCreated++;
                return TestPipeline.CreateAsync(rules, pipelineOptions, run, _front, _time, ct);
            },
            Time = _time,
            File = file,
        }, CancellationToken.None);
    }

    [Fact]
    public async Task A_file_alone_ends_the_run_when_it_is_read_and_its_alerts_are_delivered()
    {
        var lines = string.Join('\n', Event("d1", 0, 70), Event("d1", 1, 90), "not json", Event("d1", 2, 95)) + "\n";
        using var file = new MemoryStream(Encoding.UTF8.GetBytes(lines));
        await using var run = await StartAsync(new LiveRunOptions { Sources = LiveSources.File, HttpPort = 0 }, file);

        // The dashboard and GET /health are served whatever the sources; POST /telemetry only with Http.
        var address = Assert.IsType<LoopbackServer>(run.Server).Address;
        Assert.Equal(IPAddress.Loopback.ToString(), address.Host);
        using (var http = new HttpClient { BaseAddress = address })
        {
            using var health = await http.GetAsync(new Uri("/api/health", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            using var post = await http.PostAsync(new Uri("/telemetry", UriKind.Relative), new StringContent(Event("d2", 0, 99), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        }

        var failure = await run.RunAsync(CancellationToken.None);

        Assert.Null(failure);
        Assert.Equal(
        [
            (AlertTransitionKind.Fired, T0.AddMinutes(1)), // 90 > 80; 95 keeps it firing and the line that is not JSON changes nothing
        ], _front.Published.Select(a => (a.Kind, a.Time)));
        var events = run.Pipeline.Ingress.Totals().Events;
        Assert.Equal((3L, 1L, 1L), (events.Applied, events.Malformed, events.DeadLettered));
    }

    [Fact]
    public async Task Http_ingest_feeds_the_run_until_it_is_cancelled()
    {
        using var stop = new CancellationTokenSource();
        await using var run = await StartAsync(new LiveRunOptions { Sources = LiveSources.Http, HttpPort = 0 });
        var running = run.RunAsync(stop.Token);
        using (var http = new HttpClient { BaseAddress = run.Server!.Address })
        {
            using var post = await http.PostAsync(new Uri("/telemetry", UriKind.Relative),
                new StringContent(Event("d1", 0, 70) + "\n" + Event("d1", 1, 90) + "\n", Encoding.UTF8, "application/x-ndjson"));
            Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        }

        // An endless run: only the cancellation ends it, and the alert waiting for delivery goes out on the way.
        Assert.False(running.IsCompleted);
        await stop.CancelAsync();

        Assert.Null(await running);
        Assert.Equal([(AlertTransitionKind.Fired, T0.AddMinutes(1))], _front.Published.Select(a => (a.Kind, a.Time)));
    }

    [Fact]
    public async Task A_busy_port_costs_only_the_dashboard_when_HTTP_ingest_is_not_a_source()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        using var file = new MemoryStream(Encoding.UTF8.GetBytes(Event("d1", 1, 90) + "\n"));

        await using var run = await StartAsync(new LiveRunOptions { Sources = LiveSources.File, HttpPort = port }, file);

        Assert.Null(run.Server);
        var notServed = Assert.IsType<PortUnavailableException>(run.NotServed);
        Assert.Equal(port, notServed.Port);
        Assert.StartsWith($"cannot listen on 127.0.0.1:{port}: ", notServed.Message, StringComparison.Ordinal);
        Assert.Null(await run.RunAsync(CancellationToken.None));
        Assert.Equal([AlertTransitionKind.Fired], _front.Published.Select(a => a.Kind));
    }

    [Fact]
    public async Task A_busy_port_stops_a_run_that_takes_HTTP_ingest()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var error = await Assert.ThrowsAsync<PortUnavailableException>(() => StartAsync(new LiveRunOptions { Sources = LiveSources.Http, HttpPort = port }));

        Assert.Equal(port, error.Port);
    }

    [Fact]
    public async Task Options_that_cannot_be_used_stop_the_start_before_any_port_is_built()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(new LiveRunOptions { SweepInterval = TimeSpan.Zero }));

        Assert.Equal("SweepInterval must be longer than 0s, got 00:00:00.", error.Message);
        Assert.Equal(0, _pipelinesCreated);
    }
}
