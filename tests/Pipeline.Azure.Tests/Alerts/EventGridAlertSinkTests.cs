using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Messaging;
using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.Alerts;
using static Pipeline.Conformance.AlertSamples;

namespace Pipeline.Azure.Tests.Alerts;

public sealed class EventGridAlertSinkConformanceTests : AlertSinkConformance, IAsyncLifetime
{
    private EventGridReceiver? _receiver;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
    }

    protected override async Task<SinkUnderTest> CreateSinkAsync()
    {
        _receiver = await EventGridReceiver.StartAsync();
        var receiver = _receiver;
        var sink = new EventGridAlertSink(receiver.Endpoint, new FakeTokenCredential("test-token"), receiver.ClientOptions());
        return new SinkUnderTest(sink, () => Task.FromResult(receiver.DeliveredAlerts()));
    }
}

public sealed class EventGridAlertSinkTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = TestData.T0;
    private EventGridReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await EventGridReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private EventGridAlertSink Sink(int maxRetries = 0, TimeSpan? networkTimeout = null, FakeTokenCredential? credential = null) =>
        new(_receiver.Endpoint, credential ?? new FakeTokenCredential("test-token"), _receiver.ClientOptions(maxRetries, networkTimeout));

    [Fact]
    public async Task A_publish_is_one_cloudevents_batch_with_a_bearer_token_and_the_alert_fields()
    {
        var credential = new FakeTokenCredential("token-123");
        var alert = Alert("alert-1", "ep-1", AlertTransitionKind.Escalated, 4, T0, value: 92.5);

        await Sink(credential: credential).PublishAsync([alert]);

        var request = Assert.Single(_receiver.Requests);
        Assert.Equal("/api/events", request.Path);
        Assert.Contains("api-version=", request.Query, StringComparison.Ordinal);
        Assert.Equal("application/cloudevents-batch+json; charset=utf-8", request.ContentType);
        Assert.Equal("Bearer token-123", request.Authorization);
        Assert.Equal(["https://eventgrid.azure.net/.default"], credential.RequestedScopes.Distinct());

        var cloudEvent = Assert.Single(EventGridReceiver.Elements(request.Body));
        Assert.Equal("1.0", cloudEvent.GetProperty("specversion").GetString());
        Assert.Equal("alert-1", cloudEvent.GetProperty("id").GetString());
        Assert.Equal("/pipeline/test/rules/overheat", cloudEvent.GetProperty("source").GetString());
        Assert.Equal("Pipeline.Alert.Escalated", cloudEvent.GetProperty("type").GetString());
        Assert.Equal("devices/chiller-17/rules/overheat", cloudEvent.GetProperty("subject").GetString());
        Assert.Equal("application/json", cloudEvent.GetProperty("datacontenttype").GetString());
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero), cloudEvent.GetProperty("time").GetDateTimeOffset());
        Assert.False(cloudEvent.TryGetProperty("data_base64", out _));

        var data = cloudEvent.GetProperty("data");
        Assert.Equal(JsonValueKind.Object, data.ValueKind);
        Assert.Equal("ep-1", data.GetProperty("episodeId").GetString());
        Assert.Equal("overheat", data.GetProperty("ruleId").GetString());
        Assert.Equal("v-0123abcd", data.GetProperty("ruleVersion").GetString());
        Assert.Equal("chiller-17", data.GetProperty("key").GetString());
        Assert.Equal("Escalated", data.GetProperty("transition").GetString());
        Assert.Equal("Critical", data.GetProperty("severity").GetString());
        Assert.Equal("Firing", data.GetProperty("status").GetString());
        Assert.Equal(4, data.GetProperty("sequence").GetInt64());
        Assert.Equal(92.5, data.GetProperty("value").GetDouble());
        Assert.Equal("avg(temperature) > 80", data.GetProperty("condition").GetString());
        Assert.Equal("plant-7", data.GetProperty("labels").GetProperty("site").GetString());
        Assert.Equal(104, data.GetProperty("evidence").GetProperty("firstSequenceNumber").GetInt64());
    }

    [Fact]
    public async Task A_server_error_makes_publish_throw_after_the_configured_retries()
    {
        _receiver.Mode = _ => ReceiverMode.Fail500;

        var failure = await Assert.ThrowsAsync<RequestFailedException>(
            () => Sink(maxRetries: 2).PublishAsync([Alert("a1", "ep", AlertTransitionKind.Fired, 1, T0)]));

        Assert.Equal(500, failure.Status);
        Assert.Equal(3, _receiver.Requests.Count);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_makes_publish_throw_at_the_network_timeout()
    {
        _receiver.Mode = _ => ReceiverMode.Hang;

        var failure = await Assert.ThrowsAnyAsync<Exception>(
            () => Sink(maxRetries: 0, networkTimeout: TimeSpan.FromMilliseconds(500)).PublishAsync([Alert("a1", "ep", AlertTransitionKind.Fired, 1, T0)]));

        Assert.IsAssignableFrom<OperationCanceledException>(failure);
        Assert.Contains("timeout", failure.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Single(_receiver.Requests);
    }

    [Fact]
    public async Task A_failed_second_batch_makes_publish_throw()
    {
        _receiver.Mode = n => n == 0 ? ReceiverMode.Accept : ReceiverMode.Fail500;
        var alerts = Enumerable.Range(0, 5_001).Select(i => Alert($"a{i}", "ep", AlertTransitionKind.Amended, i, T0)).ToArray();

        await Assert.ThrowsAsync<RequestFailedException>(() => Sink().PublishAsync(alerts));

        Assert.Equal(2, _receiver.Requests.Count);
    }

    [Fact]
    public async Task Five_thousand_and_one_alerts_arrive_in_order_in_requests_within_both_limits()
    {
        // A real alert is about 850 bytes, so here the 1 MB limit splits first.
        var alerts = Enumerable.Range(0, 5_001).Select(i => Alert($"a{i}", "ep", AlertTransitionKind.Amended, i, T0)).ToArray();

        await Sink().PublishAsync(alerts);

        // About 4 MB in all: several requests, each but the last filled to within one event (< 2 KB) of the limit.
        var requests = _receiver.Requests;
        Assert.InRange(requests.Count, 3, 6);
        Assert.All(requests, r => Assert.InRange(r.Body.Length, 1, 1_000_000));
        Assert.All(requests.SkipLast(1), r => Assert.InRange(r.Body.Length, 998_000, 1_000_000));
        Assert.All(requests, r => Assert.InRange(EventGridReceiver.Elements(r.Body).Count, 1, 5_000));
        Assert.Equal(alerts.Select(a => a.Id), _receiver.DeliveredAlerts().Select(a => a.Id));
    }

    [Fact]
    public async Task More_than_1_MB_is_split_into_batches_each_within_the_limit()
    {
        // About 4.1 KB per event: 300 events are about 1.2 MB.
        var padding = new string('x', 4_000);
        var alerts = Enumerable.Range(0, 300)
            .Select(i => Alert($"big{i}", "ep", AlertTransitionKind.Amended, i, T0) is var a
                ? a with { Data = a.Data with { Labels = new Dictionary<string, string> { ["note"] = padding } } }
                : null!)
            .ToArray();

        await Sink().PublishAsync(alerts);

        var requests = _receiver.Requests;
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.InRange(r.Body.Length, 1, 1_000_000));
        Assert.InRange(requests[0].Body.Length, 995_000, 1_000_000);
        Assert.Equal(alerts.Select(a => a.Id), _receiver.DeliveredAlerts().Select(a => a.Id));
    }

    [Fact]
    public async Task The_size_measured_for_batching_is_the_size_the_client_sends()
    {
        AlertEvent[] alerts =
        [
            Alert("é-1", "ep", AlertTransitionKind.Fired, 1, T0, key: "pump <2> ключ & 'q'"),
            Alert("a-2", "ep", AlertTransitionKind.Resolved, 2, new DateTimeOffset(2025, 3, 1, 14, 0, 0, TimeSpan.FromHours(2)).AddTicks(1234567), value: null),
        ];

        foreach (var alert in alerts)
        {
            await Sink().PublishAsync([alert]);
        }

        var requests = _receiver.Requests;
        Assert.Equal(2, requests.Count);
        for (var i = 0; i < alerts.Length; i++)
        {
            // The body is "[" + the event + "]".
            Assert.Equal(requests[i].Body.Length - 2, EventGridAlertSink.SerializedSize(EventGridAlertSink.ToCloudEvent(alerts[i])));
        }
    }

    [Fact]
    public void Batches_hold_at_most_5000_events_in_order()
    {
        // Tiny events: 5,001 of them stay far below 1 MB, so only the count limit splits them.
        var events = Enumerable.Range(0, 5_001)
            .Select(i => new CloudEvent("/s", "t", BinaryData.FromString("{}"), "application/json", CloudEventDataFormat.Json) { Id = i.ToString(CultureInfo.InvariantCulture) })
            .ToList();

        var batches = EventGridAlertSink.Batch(events).ToList();

        Assert.Equal([5_000, 1], batches.Select(b => b.Count));
        Assert.Equal(events.Select(e => e.Id), batches.SelectMany(b => b).Select(e => e.Id));
    }

    [Fact]
    public async Task Publishing_over_plain_http_is_refused_by_the_bearer_token_policy()
    {
        var sink = new EventGridAlertSink(new Uri("http://127.0.0.1:9/api/events"), new FakeTokenCredential("t"));

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => sink.PublishAsync([Alert("a1", "ep", AlertTransitionKind.Fired, 1, T0)]));

        Assert.Contains("https", failure.Message, StringComparison.Ordinal);
    }
}
