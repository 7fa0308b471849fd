using System.Net;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Core.Alerts;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Hosting;

namespace Pipeline.Functions.Tests.Contract;

/// <summary>Sweep over idle keys, and a pipeline whose start fails.</summary>
public sealed class LifecycleTests
{
    private const string HeartbeatRules = """
        defaults: { outOfOrderTolerance: 0s }
        rules:
          - { id: offline, detector: { kind: heartbeat, timeout: 2m }, severity: warning }
        """;

    [Fact]
    public async Task The_sweep_fires_a_heartbeat_for_a_device_that_went_silent()
    {
        var sink = new MemoryAlertSink();
        await using var handler = await TestHandler.StartAsync(alerts: sink, rulesText: HeartbeatRules);
        using (var ingest = await handler.InvokeAsync("Ingest", TestHandler.ReadPayload("ingest-string-arrays.json")))
        {
            Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
        }

        // sweep.json runs at 10:00:30: both chillers reported within the last 2 minutes.
        using (var early = await handler.InvokeAsync("Sweep", TestHandler.ReadPayload("sweep.json")))
        {
            Assert.Equal(HttpStatusCode.OK, early.StatusCode);
        }

        Assert.Empty(sink.Published);

        // At 10:05 both have been silent for more than 2 minutes: one "offline" each.
        var later = TestHandler.ReadPayload("sweep.json").Replace("2026-03-02T10:00:30.0021Z", "2026-03-02T10:05:00Z", StringComparison.Ordinal);
        using (var sweep = await handler.InvokeAsync("Sweep", later))
        {
            Assert.Equal(HttpStatusCode.OK, sweep.StatusCode);
        }

        Assert.Equal(["devices/chiller-1/rules/offline", "devices/chiller-2/rules/offline"], sink.Published.Select(a => a.Subject).Order(StringComparer.Ordinal));
        Assert.All(sink.Published, a => Assert.Equal("Pipeline.Alert.Fired", a.Type));

        // The same sweep delivered again changes nothing.
        using (var again = await handler.InvokeAsync("Sweep", later))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        Assert.Equal(2, sink.Published.Count);
    }

    [Fact]
    public async Task A_failed_start_answers_500_and_503_and_the_next_invocation_starts_again()
    {
        var storageDown = true;
        var app = HandlerApp.Build([], new HandlerOptions
        {
            Port = 0,
            Time = new FakeTimeProvider(),
            Logging = _ => { },
            Components = (_, _) => Volatile.Read(ref storageDown)
                ? Task.FromException<PipelineComponents>(new IOException("storage account unreachable"))
                : Task.FromResult(new PipelineComponents
                {
                    State = new MemoryStateStore(),
                    Alerts = new MemoryAlertSink(),
                    DeadLetters = new MemoryDeadLetterStore(),
                    History = new MemoryAlertHistory(),
                    Rules = new MemoryRuleStore(),
                    DefaultRulesText = TestHandler.HotRules,
                }),
        });
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = HandlerApp.GetAddress(app) };
            using var payload = new StringContent(TestHandler.ReadPayload("ingest-string-arrays.json"));

            using var failed = await client.PostAsync(new Uri("/Ingest", UriKind.Relative), payload);
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            Assert.Contains("storage account unreachable", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using var health = await client.GetAsync(new Uri("/api/health", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            var text = await health.Content.ReadAsStringAsync();
            Assert.Contains("\"status\":\"failed\"", text, StringComparison.Ordinal);
            Assert.Contains("storage account unreachable", text, StringComparison.Ordinal);

            // Storage is back and the host retries the batch: the start is tried again and succeeds.
            Volatile.Write(ref storageDown, false);
            using var retried = await client.PostAsync(new Uri("/Ingest", UriKind.Relative), payload);
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
            using var healthy = await client.GetAsync(new Uri("/api/health", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
