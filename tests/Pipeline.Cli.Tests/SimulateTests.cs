using System.Text.Json;

namespace Pipeline.Cli.Tests;

public sealed class SimulateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Sends_each_instant_of_the_fleet_as_one_ndjson_request_in_real_time()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 1);
        var time = new TimerSignallingTimeProvider(T0);

        var run = CliRunner.RunAsync(new Pipeline.Cli.CliContext { Time = time },
            ["simulate", "--target", receiver.Url.ToString(), "--devices", "3", "--interval", "10s", "--for", "30s"]);
        await time.DriveUntilDoneAsync(run);
        var result = await run;

        // Samples start at the next whole second, 12:00:01, then every 10 s: three requests of three devices each.
        var requests = receiver.Requests.ToList();
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal("application/x-ndjson; charset=utf-8", r.ContentType));
        var times = requests.Select(r => r.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(e => (Device: e.GetProperty("deviceId").GetString(), Ts: e.GetProperty("ts").GetDateTimeOffset()))
            .ToList()).ToList();
        Assert.Equal([T0.AddSeconds(1), T0.AddSeconds(11), T0.AddSeconds(21)], times.Select(t => t.Select(e => e.Ts).Distinct().Single()));
        Assert.All(times, t => Assert.Equal(["sensor-01", "chiller-02", "pump-03"], t.Select(e => e.Device)));

        // The receiver refused the first request: reported, and the exit code says not everything arrived.
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("answered 503", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("sent 6 events in 3 requests; 1 requests failed (3 events not accepted)", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Needs_exactly_one_destination()
    {
        var result = await CliRunner.RunAsync("simulate");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("pipeline: simulate needs exactly one of --target URL or --out FILE\n", result.Stderr);
    }
}
