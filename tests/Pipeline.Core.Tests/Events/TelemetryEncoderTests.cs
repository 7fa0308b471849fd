using System.Text;
using Pipeline.Core.Events;

namespace Pipeline.Core.Tests.Events;

public sealed class TelemetryEncoderTests
{
    private static string Json(Telemetry telemetry) => Encoding.UTF8.GetString(TelemetryEncoder.ToJson(telemetry));

    [Fact]
    public void Writes_the_documented_body_format()
    {
        var telemetry = new Telemetry(
            "chiller-02",
            new DateTimeOffset(2026, 1, 1, 0, 0, 10, TimeSpan.Zero),
            new Dictionary<string, double> { ["temperature"] = 70.12, ["vibration"] = 1.05 },
            new Dictionary<string, string> { ["deviceType"] = "chiller", ["site"] = "plant-6" });

        Assert.Equal(
            """{"deviceId":"chiller-02","ts":"2026-01-01T00:00:10Z","temperature":70.12,"vibration":1.05,"labels":{"deviceType":"chiller","site":"plant-6"}}""",
            Json(telemetry));
    }

    [Fact]
    public void Writes_utc_with_fractional_seconds_and_omits_empty_labels()
    {
        var telemetry = new Telemetry(
            "d1",
            new DateTimeOffset(2026, 1, 1, 2, 0, 0, 500, TimeSpan.FromHours(2)),
            new Dictionary<string, double> { ["pressure"] = -3 });

        Assert.Equal("""{"deviceId":"d1","ts":"2026-01-01T00:00:00.5Z","pressure":-3}""", Json(telemetry));
    }

    [Fact]
    public void Escapes_only_what_json_requires()
    {
        var telemetry = new Telemetry(
            "café \"1\"+<2>",
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            new Dictionary<string, double> { ["t"] = 1 });

        Assert.Equal("""{"deviceId":"café \"1\"+<2>","ts":"2026-01-01T00:00:00Z","t":1}""", Json(telemetry));
    }

    [Theory]
    [InlineData("ts")]
    [InlineData("timestamp")]
    [InlineData("deviceId")]
    [InlineData("labels")]
    public void A_metric_named_like_a_reserved_property_cannot_be_written(string name)
    {
        var telemetry = new Telemetry("d1", DateTimeOffset.UnixEpoch, new Dictionary<string, double> { [name] = 1 });

        Assert.Throws<ArgumentException>(() => TelemetryEncoder.ToJson(telemetry));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void A_non_finite_metric_cannot_be_written(double value)
    {
        var telemetry = new Telemetry("d1", DateTimeOffset.UnixEpoch, new Dictionary<string, double> { ["t"] = value });

        Assert.Throws<ArgumentException>(() => TelemetryEncoder.ToJson(telemetry));
    }
}
