using System.Text;
using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;

namespace Pipeline.Core.Tests.Rules;

/// <summary>Rule files that would make every event expensive are rejected, naming the rule and field.</summary>
public class RuleSetLimitsTests
{
    private static string Rules(int count)
    {
        var text = new StringBuilder("rules:\n");
        for (var i = 0; i < count; i++)
        {
            text.Append("  - { id: r").Append(i).Append(", metric: m, when: \"> ").Append(i).Append("\" }\n");
        }

        return text.ToString();
    }

    [Fact]
    public void A_rule_set_at_the_rule_limit_loads()
    {
        var result = RuleSetLoader.Load(Rules(RuleSetLimits.MaxRules));

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Errors));
        Assert.Equal(1_000, result.RuleSet!.Rules.Count);
    }

    [Fact]
    public void A_rule_set_over_the_rule_limit_is_rejected_with_one_error_giving_the_count_and_limit()
    {
        var result = RuleSetLoader.Load(Rules(25_000));

        Assert.Null(result.RuleSet);
        var error = Assert.Single(result.Errors);
        Assert.Equal((null, "rules"), (error.RuleId, error.Field));
        Assert.StartsWith("has 25000 rules; a rule set may have at most 1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ten_year_window_with_millisecond_hops_is_rejected_on_size_and_hop()
    {
        var result = RuleSetLoader.Load("""
            rules:
              - { id: forever, metric: m, window: { kind: hopping, size: 3650d, hop: 1ms }, aggregate: avg, when: "> 1" }
            """);

        Assert.Null(result.RuleSet);
        Assert.Equal(
            [
                ("forever", "window.size", "is 3650d; at most 31d is allowed (state is kept that long for every key)"),
                ("forever", "window.hop", "puts every event in 315360000000 windows (size 3650d / hop 1ms); at most 1000 are allowed, so use a hop of at least 3d15h36m"),
            ],
            result.Errors.Select(e => (e.RuleId, e.Field, e.Message)));
    }

    [Fact]
    public void A_hop_that_puts_an_event_in_exactly_the_limit_of_windows_loads()
    {
        // 1000s / 1s = 1000 windows per event: the limit itself is allowed; one more window is not.
        Assert.True(RuleSetLoader.Load("""
            rules:
              - { id: fine, metric: m, window: { kind: hopping, size: 1000s, hop: 1s }, aggregate: avg, when: "> 1" }
            """).Success);
        var over = Assert.Single(RuleSetLoader.Load("""
            rules:
              - { id: fine, metric: m, window: { kind: hopping, size: 1001s, hop: 1s }, aggregate: avg, when: "> 1" }
            """).Errors);
        Assert.Equal(("fine", "window.hop"), (over.RuleId, over.Field));
    }

    [Fact]
    public void A_for_or_session_longer_than_the_longest_duration_is_rejected()
    {
        var result = RuleSetLoader.Load("""
            rules:
              - { id: slow, metric: m, when: "> 1", for: 32d }
              - { id: long, metric: m, window: { kind: session, gap: 1m, maxDuration: 60d }, aggregate: max, when: "> 1" }
            """);

        Assert.Equal(
            [("slow", "for"), ("long", "window.maxDuration")],
            result.Errors.Select(e => (e.RuleId, e.Field)));
    }
}
