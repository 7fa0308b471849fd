using System.Net;
using System.Text;
using System.Text.Json;
using Pipeline.Core.Alerts;
using Pipeline.Functions.Contract;

namespace Pipeline.Functions.Tests.Contract;

/// <summary>
/// The invocations as the real host sends them, with every key of the Functions host and the Event Hubs extension
/// (Payloads/ingest-host-*.json; Payloads/README.md cites the source of each shape): the parser reads them, and
/// the keys it does not use are ignored.
/// </summary>
public sealed class HostPayloadTests
{
    private static readonly DateTimeOffset s_arrival = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    // EventHubTriggerBindingStrategy.AddBindingData (the arrays) and GetSystemPropertiesForBinding (the aliases).
    private static readonly string[] s_arrays = ["PartitionKeyArray", "OffsetArray", "SequenceNumberArray", "EnqueuedTimeUtcArray", "PropertiesArray"];
    private static readonly string[] s_aliases = ["SequenceNumber", "Offset", "PartitionKey", "EnqueuedTimeUtc"];

    private static EventHubBatch Parse(string name) =>
        InvocationParser.ParseEventHubBatch(Encoding.UTF8.GetBytes(TestHandler.ReadPayload(name)), s_arrival);

    private static string Body(EventHubBatch batch, int index) => Encoding.UTF8.GetString(batch.Events[index].Body.Span);

    private static DateTimeOffset Utc(int hour, int minute, int second, int millisecond) => new(2026, 3, 2, hour, minute, second, millisecond, TimeSpan.Zero);

    [Theory]
    [InlineData("ingest-host-eventhubs.json")]
    [InlineData("ingest-host-retry.json")]
    [InlineData("ingest-host-iothub.json")]
    public void Fixtures_have_every_key_the_host_sends(string name)
    {
        using var document = JsonDocument.Parse(TestHandler.ReadPayload(name));
        var metadata = document.RootElement.GetProperty("Metadata");
        using var system = JsonDocument.Parse(metadata.GetProperty("SystemPropertiesArray").GetString()!);

        Assert.True(metadata.GetProperty("CheckpointContext").GetProperty("IsCheckpointingAfterInvocation").GetBoolean());
        Assert.True(metadata.GetProperty("PartitionContext").GetProperty("IsCheckpointingAfterInvocation").GetBoolean());
        foreach (var key in s_arrays)
        {
            Assert.Equal(JsonValueKind.String, metadata.GetProperty(key).ValueKind);
        }

        Assert.All(system.RootElement.EnumerateArray(), entry =>
        {
            foreach (var alias in s_aliases)
            {
                Assert.True(entry.TryGetProperty(alias, out _), alias);
            }
        });
    }

    [Fact]
    public void A_first_invocation_gives_bodies_positions_and_no_retry_count()
    {
        var batch = Parse("ingest-host-eventhubs.json");

        Assert.Equal("5", batch.Partition);
        Assert.Equal(3, batch.Events.Count);
        Assert.Equal("""{"deviceId":"chiller-2","ts":"2026-03-02T11:00:00.5Z","temperature":85.0}""", Body(batch, 1));
        Assert.Equal([2001L, 2002L, 2003L], batch.Events.Select(e => e.Source.SequenceNumber));
        Assert.Equal([Utc(11, 0, 1, 250), Utc(11, 0, 1, 500), Utc(11, 0, 1, 750)], batch.Events.Select(e => e.Source.EnqueuedTime));
        Assert.All(batch.Events, e => Assert.Null(e.DeviceIdHint));
        Assert.Equal("Ingest", batch.Invocation.MethodName);
        Assert.Equal(Utc(11, 0, 2, 15), batch.Invocation.UtcNow);
        Assert.Null(batch.Invocation.RetryCount);
    }

    [Fact]
    public void A_retried_invocation_gives_the_same_events_and_its_retry_count()
    {
        var first = Parse("ingest-host-eventhubs.json");
        var retry = Parse("ingest-host-retry.json");

        Assert.Equal(2, retry.Invocation.RetryCount);
        Assert.Equal(first.Partition, retry.Partition);
        Assert.Equal(first.Events.Select(e => e.Source), retry.Events.Select(e => e.Source));
        Assert.Equal(Enumerable.Range(0, 3).Select(i => Body(first, i)), Enumerable.Range(0, 3).Select(i => Body(retry, i)));
    }

    [Fact]
    public void An_iot_hub_routed_batch_gives_the_device_ids_of_the_system_properties()
    {
        var batch = Parse("ingest-host-iothub.json");

        Assert.Equal("0", batch.Partition);
        Assert.Equal(["sensor-7", "sensor-9", "sensor-7"], batch.Events.Select(e => e.DeviceIdHint));
        Assert.Equal("""{"ts":"2026-03-02T11:05:00Z","temperature":83.0,"humidity":35.5}""", Body(batch, 1));
        Assert.Equal([9001L, 9002L, 9003L], batch.Events.Select(e => e.Source.SequenceNumber));
        Assert.Equal(Utc(11, 5, 1, 900), batch.Events[2].Source.EnqueuedTime);
    }

    [Fact]
    public async Task The_handler_applies_an_iot_hub_routed_batch_keyed_by_device()
    {
        var sink = new MemoryAlertSink();
        await using var handler = await TestHandler.StartAsync(alerts: sink);

        using var response = await handler.InvokeAsync("Ingest", TestHandler.ReadPayload("ingest-host-iothub.json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // 83.0 > 80 from sensor-9 fires "hot"; sensor-7 stays below it.
        var alert = Assert.Single(sink.Published);
        Assert.Equal("Pipeline.Alert.Fired", alert.Type);
        Assert.Equal("devices/sensor-9/rules/hot", alert.Subject);
        Assert.Equal(83.0, alert.Data.Value);
    }
}
