using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;

namespace Pipeline.Core.Tests.Rules;

/// <summary>
/// Each invalid file is rejected with an error naming the rule, the field and the line (counted by hand). The one-error
/// cases are the files in samples/invalid-rules (<see cref="InvalidRuleSamplesTests"/>); the tests here cover what one
/// file with one expected error cannot show (JSON, several errors, loaded defaults).
/// </summary>
public class RuleValidationTests
{
    private static void AssertRejected(string text, string? ruleId, string field, int line, string fragment, RuleFileFormat format = RuleFileFormat.Auto)
    {
        var result = RuleSetLoader.Load(text, format);

        Assert.False(result.Success);
        Assert.Null(result.RuleSet);
        Assert.True(
            result.Errors.Any(e => e.RuleId == ruleId && e.Field == field && e.Line == line && e.Message.Contains(fragment, StringComparison.Ordinal)),
            $"expected line {line}: rule '{ruleId}', field '{field}': …{fragment}…; got:{Environment.NewLine}{string.Join(Environment.NewLine, result.Errors)}");
    }

    [Fact]
    public void Json_errors_name_the_line_too()
    {
        const string Json = """
            {
              "rules": [
                { "id": "a", "metric": "t", "when": "> 1" },
                {
                  "id": "b",
                  "metric": "t",
                  "when": "> 80",
                  "clear": "> 70"
                }
              ]
            }
            """;

        AssertRejected(Json, "b", "clear", 8, "must be the opposite direction", RuleFileFormat.Json);
        AssertRejected(Json, "b", "clear", 8, "must be the opposite direction");
    }

    [Fact]
    public void Json_duplicate_keys_are_reported()
    {
        const string Json = """
            {
              "rules": [
                { "id": "a", "metric": "t", "when": "> 1", "metric": "u" }
              ]
            }
            """;

        AssertRejected(Json, "a", "metric", 3, "duplicate field 'metric'", RuleFileFormat.Json);
    }

    [Fact]
    public void All_errors_are_collected_in_line_order()
    {
        var result = RuleSetLoader.Load("""
            defaults: { latePolicy: never }
            rules:
              - id: overheat
                metric: temperature
                window: { kind: tumbling, size: -1m }
                aggregate: avg
                when: "> 80"
              - id: vibration-anomaly
                metric: vibration
                detector: { kind: zscore, history: 1 }
              - id: hot
                composite: { all: [overheat, missing] }
            """);

        Assert.False(result.Success);
        Assert.Null(result.RuleSet);
        Assert.Equal(
            [
                (null, "defaults.latePolicy", 1),
                ("overheat", "window.size", 5),
                ("vibration-anomaly", "detector.history", 10),
                ("hot", "composite.all[1]", 12),
            ],
            result.Errors.Select(e => (e.RuleId, e.Field, e.Line ?? 0)));
    }

    [Fact]
    public void An_unknown_detector_kind_is_reported_alone()
    {
        // A misspelled heartbeat must not also be told it lacks a metric.
        var result = RuleSetLoader.Load("""
            rules:
              - id: offline
                detector: { kind: hartbeat, timeout: 2m }
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal(("offline", "detector.kind", 3), (error.RuleId, error.Field, error.Line ?? 0));
        Assert.Contains("did you mean 'heartbeat'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_known_detector_kind_with_a_bad_setting_still_needs_its_metric()
    {
        var result = RuleSetLoader.Load("""
            rules:
              - id: v
                detector: { kind: zscore, history: 1 }
            """);

        Assert.Equal(
            [("detector.history", 3), ("metric", 3)],
            result.Errors.Select(e => (e.Field, e.Line ?? 0)).Order());
    }

    [Fact]
    public void Errors_inside_one_rule_are_all_reported()
    {
        var result = RuleSetLoader.Load("""
            rules:
              - id: r
                metirc: temperature
                window: { kind: tumbling, size: 1x }
                aggregate: average
                for: -1s
            """);

        Assert.Equal(
            [
                ("metirc", 3),
                ("window.size", 4),
                ("aggregate", 5),
                ("for", 6),
            ],
            result.Errors.Where(e => e.Field != "metric" && e.Field != "when").Select(e => (e.Field, e.Line ?? 0)));
        Assert.All(result.Errors, e => Assert.Equal("r", e.RuleId));
        Assert.Contains(result.Errors, e => e.Field == "metric" && e.Line == 2);
        Assert.Contains(result.Errors, e => e.Field == "when" && e.Line == 2);
    }
}

public sealed class DetectorWindowValidationTests
{
    [Fact]
    public void A_detector_rule_with_a_window_is_rejected_naming_the_rule_field_and_line()
    {
        var result = RuleSetLoader.Load(
            """
            rules:
              - id: vib
                metric: vibration
                window: { kind: tumbling, size: 1m }
                aggregate: avg
                detector: { kind: zscore }
            """);

        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.RuleId == "vib" && e.Field == "window" && e.Line == 4);
        Assert.Contains(result.Errors, e => e.RuleId == "vib" && e.Field == "aggregate" && e.Line == 5);
    }
}

public sealed class RobustDetectorLoadingTests
{
    [Fact]
    public void Mad_spikeAndDip_and_changePoint_load_with_their_defaults()
    {
        var result = RuleSetLoader.Load(
            """
            rules:
              - { id: m, metric: x, detector: { kind: mad } }
              - { id: s, metric: x, detector: { kind: spikeAndDip, mode: dips, history: 60 } }
              - { id: c, metric: x, detector: { kind: changePoint, threshold: 8 } }
            """);

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Errors));
        var rules = result.RuleSet!.Rules;
        Assert.Equal(new MadDetectorSpec(300, 3.5, 30), rules[0].Detector);
        Assert.Equal(new SpikeAndDipDetectorSpec(60, 3.5, 30, SpikeMode.Dips), rules[1].Detector);
        Assert.Equal(new ChangePointDetectorSpec(8, 0.5, 30), rules[2].Detector);
    }

    [Fact]
    public void An_unknown_spike_mode_is_rejected_with_the_rule_field_and_line()
    {
        var result = RuleSetLoader.Load(
            """
            rules:
              - id: s
                metric: x
                detector: { kind: spikeAndDip, mode: spikez }
            """);

        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.RuleId == "s" && e.Field == "detector.mode" && e.Line == 4 && e.Message.Contains("spikes", StringComparison.Ordinal));
    }
}
