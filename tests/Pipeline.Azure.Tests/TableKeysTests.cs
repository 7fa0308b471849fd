namespace Pipeline.Azure.Tests;

public sealed class TableKeysTests
{
    [Theory]
    [InlineData("plain-key_1.ключ 🔥", "plain-key_1.ключ 🔥")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("a\\b#c?d", "a%5Cb%23c%3Fd")]
    [InlineData("100%", "100%25")]
    [InlineData("%2F", "%252F")]
    [InlineData("tab\there\u0001\u007f\u0085", "tab%09here%01%7F%85")]
    [InlineData("", "")]
    public void Escape_replaces_forbidden_characters_and_the_escape_character(string key, string escaped)
    {
        Assert.Equal(escaped, TableKeys.Escape(key));
        Assert.Equal(key, TableKeys.Unescape(escaped));
    }

    [Fact]
    public void Buckets_and_ticks_are_utc_and_sort_as_text()
    {
        var local = new DateTimeOffset(2025, 3, 1, 13, 45, 59, TimeSpan.FromHours(2));

        Assert.Equal("202503011145", TableKeys.MinuteBucket(local));
        Assert.Equal("20250301", TableKeys.DayBucket(local));
        Assert.Equal("79749698", TableKeys.InvertedDay(local));
        Assert.Equal("0638764263590000000", TableKeys.Ticks(local));
        Assert.Equal("2516614712409999999", TableKeys.InvertedTicks(local));
    }
}
