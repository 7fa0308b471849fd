using Pipeline.Core.Rules;

namespace Pipeline.Core.Tests.Rules;

public class ConditionParsingTests
{
    [Theory]
    [InlineData("> 80", ComparisonOperator.GreaterThan, 80)]
    [InlineData(">80", ComparisonOperator.GreaterThan, 80)]
    [InlineData(">= 12.5", ComparisonOperator.GreaterOrEqual, 12.5)]
    [InlineData("< 75", ComparisonOperator.LessThan, 75)]
    [InlineData("<= -3.5", ComparisonOperator.LessOrEqual, -3.5)]
    [InlineData("== 0", ComparisonOperator.Equal, 0)]
    [InlineData("!= 1e3", ComparisonOperator.NotEqual, 1000)]
    [InlineData("  <   7  ", ComparisonOperator.LessThan, 7)]
    public void Parses(string text, ComparisonOperator op, double threshold)
    {
        Assert.True(Condition.TryParse(text, out var condition, out var error));
        Assert.Equal(new Condition(op, threshold), condition);
        Assert.Equal(string.Empty, error);
    }

    [Theory]
    [InlineData("", "must start with one of")]
    [InlineData("80", "must start with one of")]
    [InlineData("above 80", "must start with one of")]
    [InlineData("=> 5", "must start with one of")]
    [InlineData("> abc", "'abc' is not a number")]
    [InlineData("> NaN", "'NaN' is not a number")]
    [InlineData(">", "'' is not a number")]
    public void Rejects_with_a_reason(string text, string reason)
    {
        Assert.False(Condition.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("> 80", "> 80")]
    [InlineData(">=12.5", ">= 12.5")]
    [InlineData("!= 0", "!= 0")]
    public void Prints_back_in_rule_file_syntax(string text, string expected)
    {
        Assert.True(Condition.TryParse(text, out var condition, out _));
        Assert.Equal(expected, condition.ToString());
    }
}
