using FsCheck.Xunit;
using Pipeline.Core.Rules;

namespace Pipeline.Core.Tests.Rules;

public class DurationTextTests
{
    [Theory]
    [InlineData("500ms", 0, 0, 0, 0, 500)]
    [InlineData("30s", 0, 0, 0, 30, 0)]
    [InlineData("5m", 0, 0, 5, 0, 0)]
    [InlineData("1h", 0, 1, 0, 0, 0)]
    [InlineData("2d", 2, 0, 0, 0, 0)]
    [InlineData("1m30s", 0, 0, 1, 30, 0)]
    [InlineData("1h30m", 0, 1, 30, 0, 0)]
    [InlineData("1d2h3m4s5ms", 1, 2, 3, 4, 5)]
    [InlineData("1.5h", 0, 1, 30, 0, 0)]
    [InlineData("0.5s", 0, 0, 0, 0, 500)]
    [InlineData("0", 0, 0, 0, 0, 0)]
    [InlineData("0s", 0, 0, 0, 0, 0)]
    [InlineData("  30s ", 0, 0, 0, 30, 0)]
    [InlineData("PT5M", 0, 0, 5, 0, 0)]
    [InlineData("PT1H30M", 0, 1, 30, 0, 0)]
    [InlineData("P1D", 1, 0, 0, 0, 0)]
    [InlineData("P1DT2H", 1, 2, 0, 0, 0)]
    [InlineData("PT0.5S", 0, 0, 0, 0, 500)]
    [InlineData("pt30s", 0, 0, 0, 30, 0)]
    public void Parses(string text, int days, int hours, int minutes, int seconds, int milliseconds)
    {
        Assert.True(DurationText.TryParse(text, out var value));
        Assert.Equal(new TimeSpan(days, hours, minutes, seconds, milliseconds), value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("-1m")]
    [InlineData("5")]
    [InlineData("m")]
    [InlineData("1x")]
    [InlineData("1m1h")]
    [InlineData("1s1s")]
    [InlineData("1 m")]
    [InlineData("1.2.3s")]
    [InlineData("abc")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1M")]
    [InlineData("P1Y")]
    [InlineData("PT5")]
    [InlineData("-PT5M")]
    [InlineData("99999999999d")]
    public void Rejects(string? text)
    {
        Assert.False(DurationText.TryParse(text, out var value));
        Assert.Equal(TimeSpan.Zero, value);
    }

    [Theory]
    [InlineData(0, 0, 0, 0, 0, "0s")]
    [InlineData(0, 0, 0, 0, 500, "500ms")]
    [InlineData(0, 0, 0, 30, 0, "30s")]
    [InlineData(0, 0, 1, 30, 0, "1m30s")]
    [InlineData(0, 1, 0, 0, 0, "1h")]
    [InlineData(2, 0, 0, 0, 0, "2d")]
    [InlineData(1, 1, 1, 1, 1, "1d1h1m1s1ms")]
    public void Formats(int days, int hours, int minutes, int seconds, int milliseconds, string expected) =>
        Assert.Equal(expected, DurationText.Format(new TimeSpan(days, hours, minutes, seconds, milliseconds)));

    [Fact]
    public void Formats_sub_millisecond_parts_as_decimal_milliseconds() =>
        Assert.Equal("1.5ms", DurationText.Format(TimeSpan.FromTicks(15_000)));

    [Fact]
    public void Formats_negative_durations_with_a_sign() =>
        Assert.Equal("-1m30s", DurationText.Format(TimeSpan.FromSeconds(-90)));

    [Property]
    public bool Format_then_parse_gives_the_same_duration(uint milliseconds, ushort subMillisecondTicks)
    {
        var value = TimeSpan.FromTicks((milliseconds * TimeSpan.TicksPerMillisecond) + (subMillisecondTicks % TimeSpan.TicksPerMillisecond));
        return DurationText.TryParse(DurationText.Format(value), out var parsed) && parsed == value;
    }
}
