using System.Text;
using Pipeline.Core.Events;

namespace Pipeline.Core.Tests.Events;

public sealed class TelemetryDecoderTests
{
    private const string Example =
        """{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":71.2,"vibration":0.3,"labels":{"deviceType":"chiller","site":"plant-7"}}""";

    private static readonly DateTimeOffset NewYear2026 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly SourcePosition Position = new("3", 42, new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero));

    private static RawEvent Raw(string json, string? hint = null) => new(Encoding.UTF8.GetBytes(json), Position, hint);

    private static Telemetry Decode(string json, string? hint = null, DecoderOptions? options = null)
    {
        var decoder = new TelemetryDecoder(options);
        Assert.True(decoder.TryDecode(Raw(json, hint), out var telemetry, out var failure), failure.ToString());
        Assert.Equal(DecodeError.None, failure.Error);
        return telemetry;
    }

    private static DecodeFailure Reject(byte[] body, string? hint = null, DecoderOptions? options = null)
    {
        var decoder = new TelemetryDecoder(options);
        Assert.False(decoder.TryDecode(new RawEvent(body, Position, hint), out var telemetry, out var failure));
        Assert.Null(telemetry);
        Assert.NotEqual(DecodeError.None, failure.Error);
        Assert.False(string.IsNullOrWhiteSpace(failure.Detail));
        return failure;
    }

    private static DecodeFailure Reject(string json, string? hint = null, DecoderOptions? options = null) =>
        Reject(Encoding.UTF8.GetBytes(json), hint, options);

    [Fact]
    public void Decodes_the_documented_example()
    {
        var telemetry = Decode(Example);

        Assert.Equal("d1", telemetry.Key);
        Assert.Equal(NewYear2026, telemetry.Timestamp);
        Assert.Equal(TimeSpan.Zero, telemetry.Timestamp.Offset);
        Assert.Equal(2, telemetry.Metrics.Count);
        Assert.Equal(71.2, telemetry.Metrics["temperature"]);
        Assert.Equal(0.3, telemetry.Metrics["vibration"]);
        Assert.Equal(2, telemetry.Labels.Count);
        Assert.Equal("chiller", telemetry.Labels["deviceType"]);
        Assert.Equal("plant-7", telemetry.Labels["site"]);
        Assert.Equal(Position, telemetry.Source);
    }

    [Fact]
    public void Property_order_does_not_matter()
    {
        var telemetry = Decode("""{"labels":{"site":"plant-1"},"temperature":5,"ts":"2026-01-01T00:00:00Z","deviceId":"d2"}""");

        Assert.Equal("d2", telemetry.Key);
        Assert.Equal(NewYear2026, telemetry.Timestamp);
        Assert.Equal(5.0, telemetry.Metrics["temperature"]);
        Assert.Equal("plant-1", telemetry.Labels["site"]);
    }

    [Fact]
    public void Uses_the_transport_device_id_when_the_body_has_none()
    {
        var telemetry = Decode("""{"ts":"2026-01-01T00:00:00Z","temperature":1}""", hint: "chiller-17");

        Assert.Equal("chiller-17", telemetry.Key);
    }

    [Fact]
    public void The_transport_device_id_wins_over_the_body()
    {
        var telemetry = Decode("""{"deviceId":"spoofed","ts":"2026-01-01T00:00:00Z","temperature":1}""", hint: "chiller-17");

        Assert.Equal("chiller-17", telemetry.Key);
    }

    [Fact]
    public void With_a_transport_device_id_the_body_device_id_is_not_read()
    {
        var telemetry = Decode("""{"deviceId":42,"ts":"2026-01-01T00:00:00Z","temperature":1}""", hint: "pump-03");

        Assert.Equal("pump-03", telemetry.Key);
    }

    [Theory]
    [InlineData("2026-01-01T02:30:00+02:30")]
    [InlineData("2025-12-31T19:00:00-05:00")]
    [InlineData("2026-01-01T00:00:00.000Z")]
    public void Timestamps_with_an_offset_are_converted_to_utc(string ts)
    {
        var telemetry = Decode($$"""{"deviceId":"d1","ts":"{{ts}}","temperature":1}""");

        Assert.Equal(NewYear2026, telemetry.Timestamp);
        Assert.Equal(TimeSpan.Zero, telemetry.Timestamp.Offset);
    }

    [Fact]
    public void Keeps_fractional_seconds()
    {
        var telemetry = Decode("""{"deviceId":"d1","ts":"2026-01-01T00:00:00.1234567Z","temperature":1}""");

        Assert.Equal(NewYear2026.AddTicks(1_234_567), telemetry.Timestamp);
    }

    [Fact]
    public void Accepts_timestamp_as_an_alias_of_ts()
    {
        var telemetry = Decode("""{"deviceId":"d1","timestamp":"2026-01-01T00:00:00Z","temperature":1}""");

        Assert.Equal(NewYear2026, telemetry.Timestamp);
    }

    [Fact]
    public void Accepts_unix_epoch_milliseconds()
    {
        // 2026-01-01T00:00:00Z = 1,767,225,600 s after the epoch (2025-01-01 is 1,735,689,600; plus 365 days).
        var telemetry = Decode("""{"deviceId":"d1","ts":1767225600000,"temperature":1}""");

        Assert.Equal(NewYear2026, telemetry.Timestamp);
    }

    [Fact]
    public void Accepts_fractional_unix_epoch_milliseconds()
    {
        var telemetry = Decode("""{"deviceId":"d1","timestamp":1767225600000.5,"temperature":1}""");

        Assert.Equal(NewYear2026.AddTicks(5_000), telemetry.Timestamp);
    }

    [Fact]
    public void Non_numeric_top_level_properties_are_ignored()
    {
        var telemetry = Decode(
            """{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","status":"ok","online":true,"note":null,"extra":{"a":[1,2],"b":3},"list":[1,2,3],"temperature":71.2}""");

        Assert.Equal(["temperature"], telemetry.Metrics.Keys);
        Assert.Equal(71.2, telemetry.Metrics["temperature"]);
    }

    [Fact]
    public void Reads_negative_exponent_and_integer_numbers()
    {
        var telemetry = Decode("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","a":-3,"b":2.5e-3,"c":1E3,"d":-0.0}""");

        Assert.Equal(-3.0, telemetry.Metrics["a"]);
        Assert.Equal(0.0025, telemetry.Metrics["b"]);
        Assert.Equal(1000.0, telemetry.Metrics["c"]);
        Assert.Equal(0.0, telemetry.Metrics["d"]);
    }

    [Fact]
    public void Unescapes_names_and_values()
    {
        var telemetry = Decode(
            """{"device\u0049d":"caf\u00e9 \"7\"","ts":"2026-01-01T00:00:00\u005a","temp\u0065rature":1,"labels":{"s\u0069te":"pl\u0061nt-7"}}""");

        Assert.Equal("café \"7\"", telemetry.Key);
        Assert.Equal(NewYear2026, telemetry.Timestamp);
        Assert.Equal(1.0, telemetry.Metrics["temperature"]);
        Assert.Equal("plant-7", telemetry.Labels["site"]);
    }

    [Fact]
    public void Accepts_a_utf8_byte_order_mark()
    {
        var body = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(Example)).ToArray();
        var decoder = new TelemetryDecoder();

        Assert.True(decoder.TryDecode(new RawEvent(body, Position), out var telemetry, out _));
        Assert.Equal("d1", telemetry.Key);
    }

    [Fact]
    public void Null_labels_mean_no_labels()
    {
        var telemetry = Decode("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":1,"labels":null}""");

        Assert.Empty(telemetry.Labels);
    }

    [Fact]
    public void Empty_labels_object_means_no_labels()
    {
        var telemetry = Decode("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":1,"labels":{}}""");

        Assert.Empty(telemetry.Labels);
    }

    [Fact]
    public void A_repeated_metric_keeps_the_last_value()
    {
        var telemetry = Decode("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":1,"temperature":2}""");

        Assert.Equal(2.0, telemetry.Metrics["temperature"]);
        Assert.Single(telemetry.Metrics);
    }

    [Fact]
    public void Surrounding_whitespace_is_allowed()
    {
        var telemetry = Decode(" \r\n\t" + Example + "\n\n ");

        Assert.Equal("d1", telemetry.Key);
    }

    [Fact]
    public void Repeated_names_and_labels_are_shared_between_events()
    {
        var decoder = new TelemetryDecoder();
        Assert.True(decoder.TryDecode(Raw(Example), out var first, out _));
        Assert.True(decoder.TryDecode(Raw(Example), out var second, out _));

        Assert.Same(first.Metrics.Keys.First(), second.Metrics.Keys.First());
        Assert.Same(first.Labels, second.Labels);
        Assert.NotSame(first.Metrics, second.Metrics);
    }

    [Fact]
    public void A_device_whose_labels_change_gets_its_new_labels()
    {
        var decoder = new TelemetryDecoder();
        Assert.True(decoder.TryDecode(Raw(Example), out var before, out _));
        Assert.True(decoder.TryDecode(Raw(Example.Replace("plant-7", "plant-8", StringComparison.Ordinal)), out var moved, out _));
        Assert.True(decoder.TryDecode(Raw(Example.Replace(",\"site\":\"plant-7\"", string.Empty, StringComparison.Ordinal)), out var fewer, out _));
        Assert.True(decoder.TryDecode(Raw(Example.Replace("\"d1\"", "\"d2\"", StringComparison.Ordinal)), out var other, out _));

        Assert.Equal("plant-7", before.Labels["site"]);
        Assert.Equal("plant-8", moved.Labels["site"]);
        Assert.Equal(["deviceType"], fewer.Labels.Keys);
        Assert.Equal("plant-7", other.Labels["site"]);
        Assert.Equal("plant-7", before.Labels["site"]);
    }

    [Fact]
    public void An_empty_body_is_rejected()
    {
        var failure = Reject([]);

        Assert.Equal(DecodeError.Empty, failure.Error);
    }

    [Fact]
    public void A_body_over_the_limit_is_too_large()
    {
        var failure = Reject(Example, options: new DecoderOptions { MaxBodyBytes = 100 });

        Assert.Equal(DecodeError.TooLarge, failure.Error);
        Assert.Equal($"the body is {Encoding.UTF8.GetByteCount(Example)} bytes; the limit is 100", failure.Detail);
    }

    [Fact]
    public void Invalid_utf8_is_rejected_with_its_offset()
    {
        // {"deviceId":"d<0xFF>… : the bad byte follows 14 good ones.
        var body = Encoding.UTF8.GetBytes("""{"deviceId":"d""").Concat(new byte[] { 0xFF }).Concat(Encoding.UTF8.GetBytes("\",\"ts\":1,\"t\":1}")).ToArray();

        var failure = Reject(body);

        Assert.Equal(DecodeError.NotUtf8, failure.Error);
        Assert.Equal("the body is not valid UTF-8: the first invalid byte is at offset 14", failure.Detail);
    }

    [Theory]
    [InlineData("{")]
    [InlineData(" ")]
    [InlineData("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":1,}""")]
    [InlineData("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":1} x""")]
    [InlineData("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":1}{}""")]
    [InlineData("""{"deviceId":"d1",/* c */"ts":"2026-01-01T00:00:00Z","temperature":1}""")]
    [InlineData("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":NaN}""")]
    [InlineData("""{'deviceId':'d1'}""")]
    [InlineData("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":01}""")]
    [InlineData("[1,2")]
    public void Malformed_json_is_not_json(string json)
    {
        Assert.Equal(DecodeError.NotJson, Reject(json).Error);
    }

    [Fact]
    public void Not_json_names_the_byte_offset()
    {
        // {"deviceId":"d1","ts":x}  — the x is byte 22 (0-based).
        var failure = Reject("""{"deviceId":"d1","ts":x}""");

        Assert.Equal(DecodeError.NotJson, failure.Error);
        Assert.StartsWith("the body is not valid JSON at byte 22: ", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_json_offset_counts_earlier_lines()
    {
        // "{\n\"a\": x}" — line 1 starts at byte 2; the x is 5 bytes into it: byte 7.
        var failure = Reject("{\n\"a\": x}");

        Assert.StartsWith("the body is not valid JSON at byte 7: ", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Broken_json_wins_over_an_earlier_semantic_problem()
    {
        var failure = Reject("""{"ts":"yesterday","temperature":""");

        Assert.Equal(DecodeError.NotJson, failure.Error);
    }

    [Theory]
    [InlineData("[1,2]", "the body is an array, not a JSON object")]
    [InlineData("42", "the body is a number, not a JSON object")]
    [InlineData("\"text\"", "the body is a string, not a JSON object")]
    [InlineData("null", "the body is null, not a JSON object")]
    [InlineData("true", "the body is a boolean, not a JSON object")]
    public void A_top_level_value_that_is_not_an_object_is_rejected(string json, string detail)
    {
        var failure = Reject(json);

        Assert.Equal(DecodeError.NotAnObject, failure.Error);
        Assert.Equal(detail, failure.Detail);
    }

    [Fact]
    public void A_body_without_device_id_and_no_hint_is_rejected()
    {
        var failure = Reject("""{"ts":"2026-01-01T00:00:00Z","temperature":1}""");

        Assert.Equal(DecodeError.MissingDeviceId, failure.Error);
        Assert.Equal("the body has no 'deviceId' property and the transport supplied no device id", failure.Detail);
    }

    [Theory]
    [InlineData("\"\"", "property 'deviceId' '' is empty")]
    [InlineData("42", "property 'deviceId' is a number; it must be a string")]
    [InlineData("null", "property 'deviceId' is null; it must be a string")]
    [InlineData("{\"id\":\"d1\"}", "property 'deviceId' is an object; it must be a string")]
    [InlineData("\"a\\u0001b\"", "property 'deviceId' 'a?b' contains the control character U+0001")]
    [InlineData("\"abcde\"", "property 'deviceId' 'abcde' is 5 characters; the limit is 4")]
    public void Invalid_device_ids_are_rejected(string value, string detail)
    {
        var failure = Reject($$"""{"deviceId":{{value}},"ts":"2026-01-01T00:00:00Z","t":1}""", options: new DecoderOptions { MaxKeyLength = 4 });

        Assert.Equal(DecodeError.InvalidDeviceId, failure.Error);
        Assert.Equal(detail, failure.Detail);
    }

    [Fact]
    public void A_repeated_device_id_is_rejected()
    {
        var failure = Reject("""{"deviceId":"a","deviceId":"b","ts":"2026-01-01T00:00:00Z","temperature":1}""");

        Assert.Equal(DecodeError.InvalidDeviceId, failure.Error);
        Assert.Equal("property 'deviceId' appears more than once", failure.Detail);
    }

    [Fact]
    public void An_invalid_transport_device_id_is_rejected()
    {
        var failure = Reject("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":1}""", hint: "bad\nid");

        Assert.Equal(DecodeError.InvalidDeviceId, failure.Error);
        Assert.Equal("the transport's device id 'bad?id' contains the control character U+000A", failure.Detail);
    }

    [Fact]
    public void A_body_without_timestamp_is_rejected()
    {
        var failure = Reject("""{"deviceId":"d1","temperature":1}""");

        Assert.Equal(DecodeError.MissingTimestamp, failure.Error);
        Assert.Equal("the body has no 'ts' (or 'timestamp') property", failure.Detail);
    }

    [Theory]
    [InlineData("\"2026-13-01\"", "property 'ts' is '2026-13-01' which is not an ISO-8601 timestamp")]
    [InlineData("\"yesterday\"", "property 'ts' is 'yesterday' which is not an ISO-8601 timestamp")]
    [InlineData("\"\"", "property 'ts' is '' which is not an ISO-8601 timestamp")]
    [InlineData("\"2026-01-01T00:00:00\"", "property 'ts' is '2026-01-01T00:00:00' which has no UTC offset; end it with 'Z' or '+hh:mm'")]
    [InlineData("\"2026-01-01\"", "property 'ts' is '2026-01-01' which has no UTC offset; end it with 'Z' or '+hh:mm'")]
    [InlineData("true", "property 'ts' is a boolean; it must be an ISO-8601 string or Unix epoch milliseconds")]
    [InlineData("[1]", "property 'ts' is an array; it must be an ISO-8601 string or Unix epoch milliseconds")]
    [InlineData("1e300", "property 'ts' is 1e300 which is outside the range of Unix epoch milliseconds for years 0001-9999")]
    [InlineData("253402300800000", "property 'ts' is 253402300800000 which is outside the range of Unix epoch milliseconds for years 0001-9999")]
    public void Invalid_timestamps_are_rejected(string value, string detail)
    {
        var failure = Reject($$"""{"deviceId":"d1","ts":{{value}},"temperature":1}""");

        Assert.Equal(DecodeError.InvalidTimestamp, failure.Error);
        Assert.Equal(detail, failure.Detail);
    }

    [Fact]
    public void The_largest_epoch_millisecond_is_accepted()
    {
        var telemetry = Decode("""{"deviceId":"d1","ts":253402300799999,"temperature":1}""");

        Assert.Equal(new DateTimeOffset(9999, 12, 31, 23, 59, 59, 999, TimeSpan.Zero), telemetry.Timestamp);
    }

    [Fact]
    public void Both_ts_and_timestamp_is_ambiguous()
    {
        var failure = Reject("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","timestamp":"2026-01-01T00:00:00Z","temperature":1}""");

        Assert.Equal(DecodeError.InvalidTimestamp, failure.Error);
        Assert.Equal("the body has both 'ts' and 'timestamp'; send one timestamp", failure.Detail);
    }

    [Fact]
    public void A_body_without_numbers_has_no_metric()
    {
        var failure = Reject("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","status":"ok","on":true,"labels":{"site":"plant-1"}}""");

        Assert.Equal(DecodeError.NoNumericMetric, failure.Error);
    }

    [Theory]
    [InlineData("\"NaN\"", "metric 'temperature' is 'NaN'; metrics must be finite numbers")]
    [InlineData("\"Infinity\"", "metric 'temperature' is 'Infinity'; metrics must be finite numbers")]
    [InlineData("\"-infinity\"", "metric 'temperature' is '-infinity'; metrics must be finite numbers")]
    [InlineData("1e400", "metric 'temperature' is 1e400 which is outside the range of a double")]
    [InlineData("-2E+309", "metric 'temperature' is -2E+309 which is outside the range of a double")]
    public void Non_finite_metrics_are_rejected(string value, string detail)
    {
        var failure = Reject($$"""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":{{value}}}""");

        Assert.Equal(DecodeError.NonFiniteMetric, failure.Error);
        Assert.Equal(detail, failure.Detail);
    }

    [Theory]
    [InlineData("\"plant-7\"", "property 'labels' is a string; it must be an object of string values")]
    [InlineData("[\"plant-7\"]", "property 'labels' is an array; it must be an object of string values")]
    [InlineData("{\"floor\":3}", "label 'floor' is a number; label values must be strings")]
    [InlineData("{\"site\":{\"name\":\"p\"}}", "label 'site' is an object; label values must be strings")]
    [InlineData("{\"\":\"x\"}", "a label has an empty name")]
    [InlineData("{\"abcde\":\"x\"}", "label name 'abcde' is 5 characters; the limit is 4")]
    [InlineData("{\"site\":\"abcde\"}", "label 'site' has a value of 5 characters; the limit is 4")]
    [InlineData("{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}", "the body has more labels than the limit of 2")]
    public void Invalid_labels_are_rejected(string value, string detail)
    {
        var failure = Reject($$"""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","t":1,"labels":{{value}}}""",
            options: new DecoderOptions { MaxKeyLength = 4, MaxLabels = 2 });

        Assert.Equal(DecodeError.InvalidLabels, failure.Error);
        Assert.Equal(detail, failure.Detail);
    }

    [Fact]
    public void Too_many_metrics_is_too_large()
    {
        var failure = Reject("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","a":1,"b":2,"c":3}""", options: new DecoderOptions { MaxMetrics = 2 });

        Assert.Equal(DecodeError.TooLarge, failure.Error);
        Assert.Equal("the body has more metrics than the limit of 2", failure.Detail);
    }

    [Fact]
    public void Exactly_the_metric_limit_is_accepted()
    {
        var telemetry = Decode("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","a":1,"b":2,"a":3}""", options: new DecoderOptions { MaxMetrics = 2 });

        Assert.Equal(3.0, telemetry.Metrics["a"]);
        Assert.Equal(2.0, telemetry.Metrics["b"]);
    }

    [Fact]
    public void A_metric_name_over_the_key_limit_is_too_large()
    {
        var failure = Reject("""{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","abcde":1}""", options: new DecoderOptions { MaxKeyLength = 4 });

        Assert.Equal(DecodeError.TooLarge, failure.Error);
        Assert.Equal("metric name 'abcde' is 5 characters; the limit is 4", failure.Detail);
    }

    [Fact]
    public void An_escaped_lone_surrogate_in_the_device_id_is_rejected()
    {
        var failure = Reject("""{"deviceId":"a\ud800","ts":"2026-01-01T00:00:00Z","temperature":1}""");

        Assert.Equal(DecodeError.InvalidDeviceId, failure.Error);
    }

    [Fact]
    public void The_first_problem_in_the_body_is_reported()
    {
        var failure = Reject("""{"deviceId":5,"ts":"yesterday","temperature":"NaN"}""");

        Assert.Equal(DecodeError.InvalidDeviceId, failure.Error);
    }

    [Fact]
    public void Long_string_values_beyond_the_scratch_buffer_are_read()
    {
        var id = new string('x', 600);

        var telemetry = Decode($$"""{"deviceId":"{{id}}","ts":"2026-01-01T00:00:00Z","temperature":1}""", options: new DecoderOptions { MaxKeyLength = 1000 });

        Assert.Equal(id, telemetry.Key);
    }

    [Fact]
    public void Options_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TelemetryDecoder(new DecoderOptions { MaxBodyBytes = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TelemetryDecoder(new DecoderOptions { MaxMetrics = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TelemetryDecoder(new DecoderOptions { MaxKeyLength = 0 }));
    }

    /// <summary>A store that holds keys of at most four characters.</summary>
    private sealed class FourCharacterKeys : IKeyLimit
    {
        public string? Check(string key) => key.Length <= 4 ? null : $"is {key.Length} characters; this store holds 4";
    }

    [Theory]
    [InlineData("""{"deviceId":"abcde","ts":"2026-01-01T00:00:00Z","t":1}""", null, "the device id 'abcde' is 5 characters; this store holds 4")]
    [InlineData("""{"ts":"2026-01-01T00:00:00Z","t":1}""", "vwxyz", "the device id 'vwxyz' is 5 characters; this store holds 4")]
    public void A_key_a_store_cannot_hold_is_rejected_as_KeyTooLong(string json, string? hint, string detail)
    {
        var failure = Reject(json, hint, new DecoderOptions { KeyLimits = [new FourCharacterKeys()] });

        Assert.Equal(DecodeError.KeyTooLong, failure.Error);
        Assert.Equal(detail, failure.Detail);
    }

    [Fact]
    public void A_key_every_store_can_hold_is_decoded()
    {
        var decoder = new TelemetryDecoder(new DecoderOptions { KeyLimits = [new FourCharacterKeys()] });

        Assert.True(decoder.TryDecode(new RawEvent("""{"deviceId":"abcd","ts":"2026-01-01T00:00:00Z","t":1}"""u8.ToArray(), Position), out var telemetry, out _));
        Assert.Equal("abcd", telemetry.Key);
    }
}
