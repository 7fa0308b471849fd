using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;

namespace Pipeline.Core.Tests.Alerts.Silences;

public sealed class InhibitionReaderTests
{
    [Fact]
    public void The_inhibitions_section_is_read_and_the_rule_file_still_loads()
    {
        const string text = """
            rules:
              - { id: hot, metric: temperature, when: "> 90", severity: critical }
              - { id: warm, metric: temperature, when: "> 70" }
            inhibitions:
              - { source: hot, minSeverity: critical, targets: [warm], equal: site }
            """;

        var loaded = RuleSetLoader.Load(text);
        var (rules, errors) = InhibitionReader.Read(text, loaded.RuleSet!.Rules.Select(r => r.Id).ToList());

        Assert.True(loaded.Success);
        Assert.Empty(errors);
        var rule = Assert.Single(rules);
        Assert.Equal(("hot", Severity.Critical, "warm", "site"), (rule.SourceRule, rule.MinSeverity, Assert.Single(rule.TargetRules), rule.EqualLabel));
    }

    [Fact]
    public void Errors_name_the_entry_the_field_and_the_line()
    {
        const string text = """
            rules:
              - { id: a, metric: x, when: "> 1" }
              - { id: b, metric: x, when: "> 2" }
            inhibitions:
              - { source: a, minSeverity: critical, targets: [b] }
              - { source: b, minSeverity: loud, targets: [a] }
              - { source: b, minSeverity: error, targets: [a] }
              - { source: a, targets: [nope], eqaul: site }
            """;

        var (rules, errors) = InhibitionReader.Read(text, ["a", "b"]);

        Assert.Empty(rules);
        Assert.Equal(
        [
            "line 6: field 'inhibitions[1].minSeverity': must be info, warning, error or critical, not 'loud'",
            "line 8: field 'inhibitions[3]': unknown field 'eqaul' (did you mean 'equal'?)",
            "line 5: field 'inhibitions': cycle a -> b -> a",
        ], errors.Select(e => e.ToString()));
    }
}
