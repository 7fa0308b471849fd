using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Rules;
using Pipeline.Core.Tests.Support;

namespace Pipeline.Core.Tests.Alerts.Silences;

public sealed class SilenceValidationTests
{
    [Fact]
    public void A_silence_names_each_bad_field()
    {
        var silence = new Silence { Id = "s1", StartsAt = Timeline.At(60), EndsAt = Timeline.At(0), Author = " " };

        Assert.Equal(
        [
            "matchers: give at least one of rule, device or labels",
            "endsAt: must be after startsAt (2026-01-01T00:01:00.0000000+00:00), got 2026-01-01T00:00:00.0000000+00:00",
            "author: must not be empty",
        ], silence.Validate());
    }

    [Fact]
    public void A_silence_is_active_in_its_half_open_interval_only()
    {
        var silence = new Silence { Id = "s1", RuleId = "hot", StartsAt = Timeline.At(10), EndsAt = Timeline.At(20), Author = "ops" };

        Assert.Empty(silence.Validate());
        Assert.False(silence.IsActiveAt(Timeline.At(9)));
        Assert.True(silence.IsActiveAt(Timeline.At(10)));
        Assert.False(silence.IsActiveAt(Timeline.At(20))); // expired by itself
    }

    [Fact]
    public void Inhibitions_with_unknown_rules_self_inhibition_or_cycles_are_rejected()
    {
        string[] ids = ["a", "b", "c"];
        InhibitionRule[] rules =
        [
            new("a", Severity.Warning, ["b"]),
            new("b", Severity.Warning, ["c", "nope"]),
            new("c", Severity.Warning, ["a", "c"]),
            new("ghost", Severity.Warning, ["a"]),
        ];

        Assert.Equal(
        [
            "inhibitions[1].targets: unknown rule 'nope'",
            "inhibitions[2].targets: rule 'c' cannot inhibit itself",
            "inhibitions[3].source: unknown rule 'ghost'",
            "inhibitions: cycle a -> b -> c -> a",
        ], InhibitionRule.Validate(rules, ids));
    }
}
