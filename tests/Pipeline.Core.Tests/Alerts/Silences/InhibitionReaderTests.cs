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

    [Fact]
    public void The_loader_gives_the_rule_set_with_its_inhibitions()
    {
        const string text = """
            rules:
              - { id: hot, metric: temperature, when: "> 90", severity: critical }
              - { id: warm, metric: temperature, when: "> 70" }
            inhibitions:
              - { source: hot, minSeverity: critical, targets: [warm] }
            """;

        var set = RuleSetLoader.Load(text).RuleSet!;

        var rule = Assert.Single(set.Inhibitions);
        Assert.Equal(("hot", Severity.Critical, "warm"), (rule.SourceRule, rule.MinSeverity, Assert.Single(rule.TargetRules)));
    }

    [Fact]
    public void A_bad_inhibitions_section_rejects_the_whole_rule_file_naming_the_entry()
    {
        const string text = """
            rules:
              - { id: hot, metric: temperature, when: "> 90", severity: critical }
            inhibitions:
              - { source: power, minSeverity: critical, targets: [hot] }
            """;

        var loaded = RuleSetLoader.Load(text);

        Assert.False(loaded.Success);
        Assert.Null(loaded.RuleSet);
        Assert.Equal(["line 4: field 'inhibitions[0].source': unknown rule 'power'"], loaded.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Inhibitions_are_part_of_the_version_only_when_a_file_has_some()
    {
        const string rules = """
            rules:
              - { id: hot, metric: temperature, when: "> 90", severity: critical }
              - { id: warm, metric: temperature, when: "> 70" }
              - { id: cold, metric: temperature, when: "< 0" }
            """;
        var plain = RuleSetLoader.Load(rules).RuleSet!;
        var inhibiting = RuleSetLoader.Load(rules + "\ninhibitions:\n  - { source: hot, minSeverity: critical, targets: [warm, cold] }\n").RuleSet!;
        var reordered = RuleSetLoader.Load(rules + "\ninhibitions:\n  - { source: hot, minSeverity: critical, targets: [cold, warm] }\n").RuleSet!;
        var lower = RuleSetLoader.Load(rules + "\ninhibitions:\n  - { source: hot, minSeverity: error, targets: [warm, cold] }\n").RuleSet!;

        // Without inhibitions the version is the one computed from defaults and rules alone, as before they existed.
        Assert.Equal(RuleSetLoader.ComputeVersion(plain.Defaults, plain.Rules), plain.Version);
        Assert.NotEqual(plain.Version, inhibiting.Version);   // adding them is a new version (another instance's refresh sees it)
        Assert.Equal(inhibiting.Version, reordered.Version);  // target order does not change what is suppressed
        Assert.NotEqual(inhibiting.Version, lower.Version);   // a lower minimum severity does
    }
}
