using System.Net;
using System.Text;
using System.Text.Json;
using Pipeline.Core.Alerts;
using Pipeline.Core.State;
using Pipeline.Hosting;

namespace Pipeline.Functions.Tests.Contract;

/// <summary>The Ingest function over real HTTP, fed the recorded host invocations under Payloads/.</summary>
public sealed class IngestTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> InvokeAsync(TestHandler handler, string function, string payload)
    {
        using var response = await handler.InvokeAsync(function, payload);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }

    private static string Logs(JsonElement body) => string.Join("\n", body.GetProperty("Logs").EnumerateArray().Select(l => l.GetString()));

    private static async Task<JsonElement> GetDeviceAsync(TestHandler handler, string id)
    {
        using var response = await handler.Client.GetAsync(new Uri("/api/devices/" + id, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    private static double LastValue(JsonElement device, string metric) => device.GetProperty("lastValues").GetProperty(metric).GetDouble();

    [Fact]
    public async Task A_string_encoded_batch_is_applied_and_answered_in_the_host_response_shape()
    {
        var sink = new MemoryAlertSink();
        await using var handler = await TestHandler.StartAsync(alerts: sink);

        var (status, body) = await InvokeAsync(handler, "Ingest", TestHandler.ReadPayload("ingest-string-arrays.json"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Object, body.GetProperty("Outputs").ValueKind);
        Assert.Empty(body.GetProperty("Outputs").EnumerateObject());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("ReturnValue").ValueKind);
        Assert.StartsWith("Ingest partition 3: 4 received, 4 applied, 0 duplicates, 0 dead-lettered", Logs(body), StringComparison.Ordinal);

        // Last readings: chiller-1 72.0 (its second event), chiller-2 86.5.
        Assert.Equal(72.0, LastValue(await GetDeviceAsync(handler, "chiller-1"), "temperature"));
        Assert.Equal(86.5, LastValue(await GetDeviceAsync(handler, "chiller-2"), "temperature"));

        // 85.0 > 80 fires "hot" for chiller-2 at its event time; 86.5 keeps it firing (no new transition).
        var alert = Assert.Single(sink.Published);
        Assert.Equal("Pipeline.Alert.Fired", alert.Type);
        Assert.Equal("devices/chiller-2/rules/hot", alert.Subject);
        Assert.Equal("/pipeline/test/rules/hot", alert.Source);
        Assert.Equal(85.0, alert.Data.Value);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 10, 0, 0, 500, TimeSpan.Zero), alert.Time);
        Assert.Equal(Severity.Critical, alert.Data.Severity);
    }

    [Fact]
    public async Task The_raw_array_variant_is_accepted()
    {
        var sink = new MemoryAlertSink();
        await using var handler = await TestHandler.StartAsync(alerts: sink);

        var (status, body) = await InvokeAsync(handler, "Ingest", TestHandler.ReadPayload("ingest-raw-arrays.json"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("Ingest partition 3: 4 received, 4 applied", Logs(body), StringComparison.Ordinal);
        Assert.Equal(72.0, LastValue(await GetDeviceAsync(handler, "chiller-1"), "temperature"));
        Assert.Equal("devices/chiller-2/rules/hot", Assert.Single(sink.Published).Subject);
    }

    [Fact]
    public async Task IoT_Hub_events_are_keyed_by_the_device_id_in_the_system_properties()
    {
        var sink = new MemoryAlertSink();
        await using var handler = await TestHandler.StartAsync(alerts: sink);

        var (status, body) = await InvokeAsync(handler, "Ingest", TestHandler.ReadPayload("ingest-iothub.json"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("Ingest partition 0: 3 received, 3 applied, 0 duplicates, 0 dead-lettered", Logs(body), StringComparison.Ordinal);
        var sensor7 = await GetDeviceAsync(handler, "sensor-7");
        Assert.Equal(22.0, LastValue(sensor7, "temperature"));
        Assert.Equal(41.0, LastValue(sensor7, "humidity"));
        Assert.Equal(35.5, LastValue(await GetDeviceAsync(handler, "sensor-9"), "humidity"));
        Assert.Equal("devices/sensor-9/rules/hot", Assert.Single(sink.Published).Subject);
    }

    [Fact]
    public async Task Malformed_bodies_are_dead_lettered_with_their_position_and_the_rest_applied()
    {
        var deadLetters = new MemoryDeadLetterStore();
        await using var handler = await TestHandler.StartAsync(deadLetters: deadLetters);

        var (status, body) = await InvokeAsync(handler, "Ingest", TestHandler.ReadPayload("ingest-malformed.json"));

        // Six bodies: two good (chiller-5, chiller-6), four bad (not JSON, no ts, an array, empty).
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("Ingest partition 5: 6 received, 2 applied, 0 duplicates, 4 dead-lettered", Logs(body), StringComparison.Ordinal);
        Assert.Equal(60.0, LastValue(await GetDeviceAsync(handler, "chiller-5"), "temperature"));
        Assert.Equal(62.0, LastValue(await GetDeviceAsync(handler, "chiller-6"), "temperature"));

        var letters = (await deadLetters.QueryAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 100)).OrderBy(d => d.Source.SequenceNumber).ToList();
        Assert.Equal([501L, 502L, 503L, 504L], letters.Select(d => d.Source.SequenceNumber));
        Assert.All(letters, d => Assert.Equal("5", d.Source.Partition));
        Assert.All(letters, d => Assert.Equal(DeadLetterReason.Malformed, d.Reason));
        Assert.Equal(["not json at all", """{"deviceId":"chiller-5","temperature":61.0}""", "[1,2,3]", ""],
            letters.Select(d => Encoding.UTF8.GetString(d.Body.Span)));

        // Enqueued time of sequence number 502 is "2026-03-02T10:10:01.3" (UTC); recorded at the host's UtcNow.
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 10, 10, 1, 300, TimeSpan.Zero), letters[1].Source.EnqueuedTime);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 10, 10, 2, TimeSpan.Zero), letters[1].RecordedAt);
    }

    [Fact]
    public async Task A_batch_delivered_twice_counts_once_and_alerts_once()
    {
        var sink = new MemoryAlertSink();
        await using var handler = await TestHandler.StartAsync(alerts: sink);
        var payload = TestHandler.ReadPayload("ingest-string-arrays.json");

        var (firstStatus, _) = await InvokeAsync(handler, "Ingest", payload);
        var (secondStatus, second) = await InvokeAsync(handler, "Ingest", payload);

        Assert.Equal(HttpStatusCode.OK, firstStatus);
        Assert.Equal(HttpStatusCode.OK, secondStatus);
        Assert.StartsWith("Ingest partition 3: 4 received, 0 applied, 4 duplicates", Logs(second), StringComparison.Ordinal);
        Assert.Single(sink.Published);
        Assert.Equal(72.0, LastValue(await GetDeviceAsync(handler, "chiller-1"), "temperature"));
    }

    [Fact]
    public async Task A_batch_redelivered_to_a_new_instance_after_a_restart_counts_once_and_alerts_once()
    {
        var state = new MemoryStateStore();
        var sink = new MemoryAlertSink();
        var payload = TestHandler.ReadPayload("ingest-string-arrays.json");
        await using (var first = await TestHandler.StartAsync(state: state, alerts: sink))
        {
            Assert.Equal(HttpStatusCode.OK, (await InvokeAsync(first, "Ingest", payload)).Status);
        }

        await using var second = await TestHandler.StartAsync(state: state, alerts: sink);
        var (status, body) = await InvokeAsync(second, "Ingest", payload);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("Ingest partition 3: 4 received, 0 applied, 4 duplicates", Logs(body), StringComparison.Ordinal);
        var alert = Assert.Single(sink.Published);
        Assert.Equal("devices/chiller-2/rules/hot", alert.Subject);
    }

    [Fact]
    public async Task When_publishing_fails_the_batch_still_succeeds_and_the_next_batch_for_the_key_publishes()
    {
        var sink = new SwitchableAlertSink { Failing = true };
        await using var handler = await TestHandler.StartAsync(alerts: sink);

        var (status, body) = await InvokeAsync(handler, "Ingest", TestHandler.ReadPayload("ingest-string-arrays.json"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("0 alerts published, 1 waiting", Logs(body), StringComparison.Ordinal);
        Assert.Contains("Publishing alerts failed; 1 stay in the persisted outbox", Logs(body), StringComparison.Ordinal);
        Assert.Empty(sink.Inner.Published);
        Assert.Equal(1, (await GetDeviceAsync(handler, "chiller-2")).GetProperty("outboxCount").GetInt32());

        // Event Grid is back; the next batch comes after the first retry delay (1 s after 10:00:03.12; a batch within it
        // leaves the outbox to the Sweep) and carries another chiller-2 reading (87, still firing: no new transition).
        sink.Failing = false;
        var next = """
            {"Data":{"events":"[\"{\\\"deviceId\\\":\\\"chiller-2\\\",\\\"ts\\\":\\\"2026-03-02T10:00:02Z\\\",\\\"temperature\\\":87}\"]"},
             "Metadata":{"PartitionContext":{"PartitionId":"3"},"SequenceNumberArray":"[105]","EnqueuedTimeUtcArray":"[\"2026-03-02T10:00:02.5\"]",
                         "sys":{"MethodName":"Ingest","UtcNow":"2026-03-02T10:00:05Z"}}}
            """;
        var (nextStatus, nextBody) = await InvokeAsync(handler, "Ingest", next);

        Assert.Equal(HttpStatusCode.OK, nextStatus);
        Assert.Contains("1 alerts published, 0 waiting", Logs(nextBody), StringComparison.Ordinal);
        var alert = Assert.Single(sink.Inner.Published);
        Assert.Equal("devices/chiller-2/rules/hot", alert.Subject);
        Assert.Equal(85.0, alert.Data.Value);
        Assert.Equal(0, (await GetDeviceAsync(handler, "chiller-2")).GetProperty("outboxCount").GetInt32());
    }

    [Fact]
    public async Task When_publishing_fails_the_sweep_publishes_the_outbox()
    {
        var sink = new SwitchableAlertSink { Failing = true };
        await using var handler = await TestHandler.StartAsync(alerts: sink);
        Assert.Equal(HttpStatusCode.OK, (await InvokeAsync(handler, "Ingest", TestHandler.ReadPayload("ingest-string-arrays.json"))).Status);
        Assert.Empty(sink.Inner.Published);

        sink.Failing = false;
        var (status, body) = await InvokeAsync(handler, "Sweep", TestHandler.ReadPayload("sweep.json"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("1 alerts published, 0 waiting", Logs(body), StringComparison.Ordinal);
        var alert = Assert.Single(sink.Inner.Published);
        Assert.Equal("devices/chiller-2/rules/hot", alert.Subject);
        Assert.Equal("Pipeline.Alert.Fired", alert.Type);
    }

    [Fact]
    public async Task A_state_store_failure_answers_500_and_the_retried_batch_then_succeeds()
    {
        var state = new SwitchableStateStore(new MemoryStateStore()) { Failing = true };
        var sink = new MemoryAlertSink();
        await using var handler = await TestHandler.StartAsync(state: state, alerts: sink);
        var payload = TestHandler.ReadPayload("ingest-string-arrays.json");

        var (status, body) = await InvokeAsync(handler, "Ingest", payload);

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("Table storage is unreachable", Logs(body), StringComparison.Ordinal);
        Assert.Empty(sink.Published); // nothing is published before its state is stored

        // The host's retry policy delivers the same batch again once storage is back.
        state.Failing = false;
        var (retryStatus, _) = await InvokeAsync(handler, "Ingest", payload);
        Assert.Equal(HttpStatusCode.OK, retryStatus);
        Assert.Equal("devices/chiller-2/rules/hot", Assert.Single(sink.Published).Subject);

        // What a fresh instance reads back from the store: all four events.
        await using var fresh = await TestHandler.StartAsync(state: state);
        Assert.Equal(72.0, LastValue(await GetDeviceAsync(fresh, "chiller-1"), "temperature"));
        Assert.Equal(86.5, LastValue(await GetDeviceAsync(fresh, "chiller-2"), "temperature"));
    }

    [Theory]
    [InlineData("Sweep", "[1]")]
    public async Task An_invocation_of_another_shape_fails_with_the_reason_in_the_logs(string function, string payload)
    {
        await using var handler = await TestHandler.StartAsync();

        var (status, body) = await InvokeAsync(handler, function, payload);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(function + " rejected the invocation", Logs(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_root_answers_while_the_pipeline_is_still_starting()
    {
        var never = new TaskCompletionSource<PipelineComponents>();
        var app = HandlerApp.Build([], new HandlerOptions { Port = 0, Components = (_, _) => never.Task, Logging = _ => { } });
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = HandlerApp.GetAddress(app) };
            using var root = await client.GetAsync(new Uri("/", UriKind.Relative));
            using var health = await client.GetAsync(new Uri("/api/health", UriKind.Relative));

            Assert.Equal(HttpStatusCode.OK, root.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Contains("\"status\":\"starting\"", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            never.SetCanceled();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
