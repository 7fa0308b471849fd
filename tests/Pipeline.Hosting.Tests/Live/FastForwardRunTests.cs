using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Core.Alerts;
using Pipeline.Core.RuleSets;
using Pipeline.Core.Simulation;
using Pipeline.Hosting.Live;
using Pipeline.Local;

namespace Pipeline.Hosting.Tests.Live;

/// <summary>
/// The simulated fleet fast-forwarded on its virtual clock, with in-memory ports; the wall clock is a fake one that no
/// test advances, so everything that happens comes from the simulated time.
/// </summary>
public sealed class FastForwardRunTests : IDisposable
{
    private static readonly DateTimeOffset T0 = FastForwardOptions.DefaultStart;

    // One heartbeat rule: the only fault it sees is the fleet's silent device.
    private const string RulesText = """
        defaults: { outOfOrderTolerance: 5s }
        rules:
          - { id: offline, detector: { kind: heartbeat, timeout: 2m } }
        """;

    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly MemoryAlertSink _front = new();
    private readonly PipelineOptions _pipelineOptions;
    private int _pipelinesCreated;

    public FastForwardRunTests()
    {
        File.WriteAllText(_dir.File("rules.yaml"), RulesText);
        _pipelineOptions = TestPipeline.Options(_dir.File("rules.yaml"));
        _pipelineOptions.Alerts.Path = _dir.File("alerts.jsonl");
    }

    public void Dispose() => _dir.Dispose();

    private FastForwardRun Create(FastForwardOptions options)
    {
        var rules = RuleSetLoader.Load(RulesText).RuleSet!;
        return new FastForwardRun(rules, _pipelineOptions, options, (run, ct) =>
        {
            _pipelinesCreated++;
            return TestPipeline.CreateAsync(rules, _pipelineOptions, run, _front, _time, ct);
        }, _time);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)] // partitions run one after another: the same alerts in the same order
    public async Task The_fleet_runs_to_the_end_of_its_simulated_time_and_its_alerts_overwrite_the_file(int partitions)
    {
        await File.WriteAllTextAsync(_pipelineOptions.Alerts.Path, "a line of an earlier run\n");
        var run = Create(new FastForwardOptions { Duration = TimeSpan.FromMinutes(40), Partitions = partitions });

        // The default fleet's schedule (docs/cli.md): faults that start within the 40 minutes, in the simulator's order.
        Assert.Equal(
        [
            (FaultKind.Overheat, "chiller-02", T0.AddMinutes(10)),
            (FaultKind.StuckPressure, "sensor-01", T0.AddMinutes(25)),
            (FaultKind.Silent, "sensor-04", T0.AddMinutes(30)),
        ], run.Faults.Select(f => (f.Kind, f.DeviceId, f.Window.Start)));
        Assert.Equal(T0.AddMinutes(40), run.End);

        FastForwardResult result;
        await using (run)
        {
            result = await run.RunAsync(CancellationToken.None);
        }

        IEnumerable<(AlertTransitionKind, string, DateTimeOffset)> Timeline(IEnumerable<AlertEvent> alerts) => alerts.Select(a => (a.Kind, a.Data.Key, a.Time));
        (AlertTransitionKind, string, DateTimeOffset)[] expected =
        [
            (AlertTransitionKind.Fired, "sensor-04", T0.AddMinutes(31).AddSeconds(50)), // silent from 00:30:00: last sample 00:29:50, plus the 2m timeout
            (AlertTransitionKind.Resolved, "sensor-04", T0.AddMinutes(35)),              // its samples come back at 00:35:00
        ];
        Assert.Equal(expected, Timeline(_front.Published));
        Assert.Equal(expected, Timeline(result.Delivered));
        Assert.Equal(expected, Timeline(await JsonLinesAlertSink.ReadAllAsync(_pipelineOptions.Alerts.Path)));

        // 24 devices, 6 samples a minute for 40 minutes, less the 30 samples of sensor-04's silent 5 minutes.
        Assert.Equal(24 * 6 * 40 - 30, result.Totals.Events.Applied);
        Assert.Equal(0, result.PendingAlerts);
    }

    [Fact]
    public async Task The_finished_run_s_dashboard_is_served_until_cancelled_with_the_run_s_health_and_state()
    {
        await using var run = Create(new FastForwardOptions { Duration = TimeSpan.FromMinutes(40), Serve = true, HttpPort = 0 });
        await run.RunAsync(CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var listening = new TaskCompletionSource<LoopbackServer>(TaskCreationOptions.RunContinuationsAsynchronously);

        var serving = run.ServeAsync(server => listening.SetResult(server), stop.Token);
        var address = (await listening.Task).Address;

        Assert.Equal(IPAddress.Loopback.ToString(), address.Host);
        using (var http = new HttpClient { BaseAddress = address })
        {
            using var health = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/health", UriKind.Relative)));
            var root = health.RootElement;

            // Now is the end of the simulated time, not the wall clock; the run's health rules and state are there.
            Assert.Equal(T0.AddMinutes(40), root.GetProperty("now").GetDateTimeOffset());
            Assert.Equal("memory", root.GetProperty("ports").GetProperty("state").GetString());
            Assert.NotEqual(0, root.GetProperty("checks").GetArrayLength());
            Assert.Equal(24 * 6 * 40 - 30, root.GetProperty("totals").GetProperty("applied").GetInt64());
        }

        Assert.False(serving.IsCompleted);
        await stop.CancelAsync();
        await serving;
        using var after = new HttpClient { BaseAddress = address };
        await Assert.ThrowsAsync<HttpRequestException>(() => after.GetAsync(new Uri("/api/health", UriKind.Relative)));
    }

    [Fact]
    public async Task A_busy_port_is_told_with_the_port()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        await using var run = Create(new FastForwardOptions { Duration = TimeSpan.FromMinutes(1), Serve = true, HttpPort = port });
        await run.RunAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<PortUnavailableException>(() => run.ServeAsync(_ => Assert.Fail("nothing listens"), CancellationToken.None));

        Assert.Equal(port, error.Port);
    }

    [Fact]
    public async Task Serving_needs_a_finished_run_that_asked_for_it()
    {
        await using var notServed = Create(new FastForwardOptions { Duration = TimeSpan.FromMinutes(1) });
        await using var notRun = Create(new FastForwardOptions { Duration = TimeSpan.FromMinutes(1), Serve = true, HttpPort = 0 });
        await notServed.RunAsync(CancellationToken.None);

        var off = await Assert.ThrowsAsync<InvalidOperationException>(() => notServed.ServeAsync(_ => Assert.Fail("not served"), CancellationToken.None));
        var early = await Assert.ThrowsAsync<InvalidOperationException>(() => notRun.ServeAsync(_ => Assert.Fail("not run"), CancellationToken.None));
        var twice = await Assert.ThrowsAsync<InvalidOperationException>(() => notServed.RunAsync(CancellationToken.None));

        Assert.Equal("Serve is off: the run recorded nothing for a dashboard to show.", off.Message);
        Assert.Equal("The dashboard is served after the run: call RunAsync first.", early.Message);
        Assert.Equal("A fast-forwarded run runs once: its fleet and clock are at their end.", twice.Message);
        Assert.Equal(1, _pipelinesCreated);
    }

    [Fact]
    public void Options_that_cannot_be_used_stop_the_run_before_any_port_is_built()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Create(new FastForwardOptions { Duration = TimeSpan.Zero, Devices = 0 }));

        Assert.Equal("Duration must be longer than 0s, got 00:00:00. Devices must be at least 1 device, got 0.", error.Message);
        Assert.Equal(0, _pipelinesCreated);
        Assert.Empty(_pipelineOptions.Alerts.Kinds);
    }
}
