using System.Text;
using Pipeline.Functions.Contract;

namespace Pipeline.Functions.Tests.Contract;

public sealed class InvocationParserTests
{
    private static readonly DateTimeOffset s_arrival = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private static EventHubBatch Parse(string json) => InvocationParser.ParseEventHubBatch(Encoding.UTF8.GetBytes(json), s_arrival);

    private static string Body(EventHubBatch batch, int index) => Encoding.UTF8.GetString(batch.Events[index].Body.Span);

    [Fact]
    public void String_encoded_arrays_give_bodies_positions_and_the_invocation_time()
    {
        var batch = Parse(TestHandler.ReadPayload("ingest-string-arrays.json"));

        Assert.Equal("3", batch.Partition);
        Assert.Equal(4, batch.Events.Count);
        Assert.Equal("""{"deviceId":"chiller-1","ts":"2026-03-02T10:00:00Z","temperature":70.5,"labels":{"deviceType":"chiller","site":"plant-1"}}""", Body(batch, 0));
        Assert.Equal("""{"deviceId":"chiller-2","ts":"2026-03-02T10:00:01.5Z","temperature":86.5,"labels":{"deviceType":"chiller","site":"plant-1"}}""", Body(batch, 3));
        Assert.Equal([101L, 102L, 103L, 104L], batch.Events.Select(e => e.Source.SequenceNumber));
        Assert.All(batch.Events, e => Assert.Equal("3", e.Source.Partition));
        Assert.All(batch.Events, e => Assert.Null(e.DeviceIdHint));

        // "2026-03-02T10:00:01.25" has no Z: it is UTC.
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 10, 0, 1, 250, TimeSpan.Zero), batch.Events[0].Source.EnqueuedTime);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 10, 0, 2, 10, TimeSpan.Zero), batch.Events[3].Source.EnqueuedTime);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 10, 0, 3, TimeSpan.Zero).AddTicks(1234567), batch.Invocation.UtcNow);
        Assert.Equal("Ingest", batch.Invocation.MethodName);
        Assert.Null(batch.Invocation.RetryCount);
    }

    [Fact]
    public void The_raw_array_variant_gives_the_same_events()
    {
        var encoded = Parse(TestHandler.ReadPayload("ingest-string-arrays.json"));
        var raw = Parse(TestHandler.ReadPayload("ingest-raw-arrays.json"));

        Assert.Equal(encoded.Partition, raw.Partition);
        Assert.Equal(encoded.Invocation, raw.Invocation);
        Assert.Equal(encoded.Events.Count, raw.Events.Count);
        for (var i = 0; i < encoded.Events.Count; i++)
        {
            Assert.Equal(Body(encoded, i), Body(raw, i));
            Assert.Equal(encoded.Events[i].Source, raw.Events[i].Source);
        }
    }

    [Fact]
    public void IoT_Hub_device_ids_come_from_the_system_properties()
    {
        var batch = Parse(TestHandler.ReadPayload("ingest-iothub.json"));

        Assert.Equal(["sensor-7", "sensor-9", "sensor-7"], batch.Events.Select(e => e.DeviceIdHint));
        Assert.Equal("""{"ts":"2026-03-02T10:05:00Z","temperature":83.0,"humidity":35.5}""", Body(batch, 1));
        Assert.Equal("0", batch.Partition);
    }

    [Fact]
    public void Malformed_bodies_are_passed_on_byte_for_byte()
    {
        var batch = Parse(TestHandler.ReadPayload("ingest-malformed.json"));

        Assert.Equal(6, batch.Events.Count);
        Assert.Equal("not json at all", Body(batch, 1));
        Assert.Equal("[1,2,3]", Body(batch, 3));
        Assert.Equal(0, batch.Events[4].Body.Length);
    }

    [Fact]
    public void Escapes_inside_bodies_are_decoded_exactly_once()
    {
        // The body is {"deviceId":"d\"1","ts":"…","temperature":1,"note":"é\\"}; encoded as a string inside a string.
        const string json = """
            {"Data":{"events":"[\"{\\\"deviceId\\\":\\\"d\\\\\\\"1\\\",\\\"ts\\\":\\\"2026-03-02T10:00:00Z\\\",\\\"temperature\\\":1,\\\"note\\\":\\\"\\u00e9\\\\\\\\\\\"}\"]"},
             "Metadata":{"PartitionContext":{"PartitionId":"1"},"SequenceNumberArray":"[5]"}}
            """;

        var batch = Parse(json);

        Assert.Equal("""{"deviceId":"d\"1","ts":"2026-03-02T10:00:00Z","temperature":1,"note":"é\\"}""", Body(batch, 0));
    }

    [Fact]
    public void Inlined_json_bodies_are_taken_as_their_text()
    {
        const string json = """
            {"Data":{"events":[{"deviceId":"d1","ts":"2026-03-02T10:00:00Z","temperature":1}]},
             "Metadata":{"PartitionContext":{"PartitionId":"1"},"SequenceNumberArray":[9]}}
            """;

        var batch = Parse(json);

        Assert.Equal("""{"deviceId":"d1","ts":"2026-03-02T10:00:00Z","temperature":1}""", Body(batch, 0));
        Assert.Equal(9, batch.Events[0].Source.SequenceNumber);
    }

    [Fact]
    public void Without_enqueued_times_the_arrival_time_stands_in()
    {
        const string json = """{"Data":{"events":"[\"{}\"]"},"Metadata":{"PartitionContext":{"PartitionId":"1"},"SequenceNumberArray":"[\"77\"]"}}""";

        var batch = Parse(json);

        Assert.Equal(s_arrival, batch.Events[0].Source.EnqueuedTime);
        Assert.Equal(77, batch.Events[0].Source.SequenceNumber);
        Assert.Null(batch.Invocation.UtcNow);
    }

    [Fact]
    public void String_encoded_objects_and_strings_are_decoded_and_the_retry_count_is_read()
    {
        const string json = """
            {"Data":"{\"events\":\"[]\"}",
             "Metadata":{"PartitionContext":"{\"PartitionId\":\"2\"}","SequenceNumberArray":"[]",
                         "sys":{"MethodName":"Ingest","UtcNow":"\"2026-03-02T10:00:03Z\""},
                         "RetryContext":{"RetryCount":3,"MaxRetryCount":-1}}}
            """;

        var batch = Parse(json);

        Assert.Empty(batch.Events);
        Assert.Equal("2", batch.Partition);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 10, 0, 3, TimeSpan.Zero), batch.Invocation.UtcNow);
        Assert.Equal(3, batch.Invocation.RetryCount);
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("""{"Metadata":{}}""", "no Data")]
    [InlineData("""{"Data":{"other":"[]"}}""", "no 'events'")]
    [InlineData("""{"Data":{"events":"[\"{}\"]"},"Metadata":{"PartitionContext":{"PartitionId":"1"}}}""", "no SequenceNumberArray")]
    [InlineData("""{"Data":{"events":"[\"{}\"]"},"Metadata":{"SequenceNumberArray":"[1]"}}""", "no PartitionContext")]
    [InlineData("""{"Data":{"events":"[\"{}\",\"{}\"]"},"Metadata":{"PartitionContext":{"PartitionId":"1"},"SequenceNumberArray":"[1]"}}""", "1 entries for 2 events")]
    [InlineData("""{"Data":{"events":"[\"{}\"]"},"Metadata":{"PartitionContext":{"PartitionId":"1"},"SequenceNumberArray":"[1]","EnqueuedTimeUtcArray":"[\"soon\"]"}}""", "EnqueuedTimeUtcArray[0] is not a time")]
    [InlineData("""{"Data":{"events":"{\"a\":1}"},"Metadata":{}}""", "not a JSON array")]
    public void Invocations_of_another_shape_are_rejected_with_the_reason(string json, string reason)
    {
        var ex = Assert.Throws<InvocationFormatException>(() => Parse(json));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sweep_invocation_gives_the_host_time()
    {
        var info = InvocationParser.ParseInvocationInfo(Encoding.UTF8.GetBytes(TestHandler.ReadPayload("sweep.json")));

        Assert.Equal(new DateTimeOffset(2026, 3, 2, 10, 0, 30, 2, TimeSpan.Zero).AddTicks(1000), info.UtcNow);
        Assert.Equal("Sweep", info.MethodName);
    }

    [Fact]
    public void The_response_has_the_shape_the_host_reads()
    {
        var json = Encoding.UTF8.GetString(InvocationResponse.Create(["one", "two \"quoted\""]));

        Assert.Equal("""{"Outputs":{},"Logs":["one","two \u0022quoted\u0022"],"ReturnValue":null}""", json);
    }
}
