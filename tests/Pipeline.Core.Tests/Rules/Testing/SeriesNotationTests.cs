using Pipeline.Core.Rules.Testing;

namespace Pipeline.Core.Tests.Rules.Testing;

public sealed class SeriesNotationTests
{
    [Theory]
    [InlineData("1 2 3", new[] { 1.0, 2, 3 })]
    [InlineData("0+10x3", new[] { 0.0, 10, 20, 30 })]     // n+1 values, as promtool
    [InlineData("-2+4x3", new[] { -2.0, 2, 6, 10 })]      // promtool's documented example
    [InlineData("1-2x4", new[] { 1.0, -1, -3, -5, -7 })]  // promtool's documented example
    [InlineData("5x2", new[] { 5.0, 5, 5 })]
    [InlineData("1e2+1x1", new[] { 100.0, 101 })]
    public void Expands_promtool_notation(string text, double[] expected)
    {
        Assert.True(SeriesNotation.TryExpand(text, out var values, out var error), error);
        Assert.Equal(expected.Select(v => (double?)v), values);
    }

    [Fact]
    public void Underscores_are_missing_samples()
    {
        Assert.True(SeriesNotation.TryExpand("1 _ _x2 2", out var values, out _));
        Assert.Equal([1.0, null, null, null, 2.0], values);
    }

    [Theory]
    [InlineData("", "has no values")]
    [InlineData("abc", "'abc' is not a number")]
    [InlineData("1+2xq", "the count after 'x'")]
    [InlineData("1x999999999", "the count after 'x'")]
    public void Rejects_bad_items_with_the_reason(string text, string reason)
    {
        Assert.False(SeriesNotation.TryExpand(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
