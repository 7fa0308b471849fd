using System.Text;
using Azure.Messaging.EventHubs;
using Pipeline.Azure.EventHubs;
using Pipeline.Core.Events;

namespace Pipeline.Azure.Tests.EventHubs;

public sealed class HubEventMappingTests
{
    private static readonly DateTimeOffset Enqueued = new(2026, 1, 1, 0, 0, 5, TimeSpan.Zero);

    private static EventData Event(string body, IReadOnlyDictionary<string, object>? systemProperties = null, long sequence = 42) =>
        EventHubsModelFactory.EventData(new BinaryData(Encoding.UTF8.GetBytes(body)), new Dictionary<string, object>(),
            systemProperties ?? new Dictionary<string, object>(), partitionKey: "ignored", sequenceNumber: sequence, offsetString: "4096", enqueuedTime: Enqueued);

    [Fact]
    public void The_body_partition_sequence_number_and_enqueued_time_become_the_raw_events_source_position()
    {
        var raw = HubEventMapping.ToRawEvent("3", Event("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","t":1}""", sequence: 1234));

        Assert.Equal("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","t":1}""", Encoding.UTF8.GetString(raw.Body.Span));
        Assert.Equal(new SourcePosition("3", 1234, Enqueued), raw.Source);
        Assert.Null(raw.DeviceIdHint);
    }

    [Fact]
    public void IoT_Hubs_device_id_names_the_device_of_a_body_without_one()
    {
        var raw = HubEventMapping.ToRawEvent("0", Event("""{"ts":"2026-01-01T00:00:00Z","temperature":71.5}""",
            new Dictionary<string, object> { ["iothub-connection-device-id"] = "chiller-17" }));

        Assert.Equal("chiller-17", raw.DeviceIdHint);
        Assert.True(new TelemetryDecoder().TryDecode(raw, out var telemetry, out var failure), failure.ToString());
        Assert.Equal("chiller-17", telemetry.Key);
        Assert.Equal(71.5, telemetry.Metrics["temperature"]);
    }

    [Fact]
    public void IoT_Hubs_authenticated_device_id_wins_over_the_id_a_body_claims()
    {
        var raw = HubEventMapping.ToRawEvent("0", Event("""{"deviceId":"pump-2","ts":"2026-01-01T00:00:00Z","t":1}""",
            new Dictionary<string, object> { ["iothub-connection-device-id"] = "gateway-1" }));

        Assert.True(new TelemetryDecoder().TryDecode(raw, out var telemetry, out var failure), failure.ToString());
        Assert.Equal("gateway-1", telemetry.Key);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void A_blank_IoT_Hub_device_id_is_no_device_id(string id)
    {
        var raw = HubEventMapping.ToRawEvent("0", Event("""{"ts":"2026-01-01T00:00:00Z","t":1}""",
            new Dictionary<string, object> { ["iothub-connection-device-id"] = id }));

        Assert.Null(raw.DeviceIdHint);
        Assert.False(new TelemetryDecoder().TryDecode(raw, out _, out var failure));
        Assert.NotEqual(DecodeError.None, failure.Error);
    }

    [Fact]
    public void A_device_id_property_that_is_not_a_string_is_ignored()
    {
        var raw = HubEventMapping.ToRawEvent("0", Event("{}", new Dictionary<string, object> { ["iothub-connection-device-id"] = 17 }));

        Assert.Null(raw.DeviceIdHint);
    }
}
