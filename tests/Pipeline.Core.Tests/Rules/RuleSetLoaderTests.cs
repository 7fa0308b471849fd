using Pipeline.Core.Alerts;
using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;
using Pipeline.Core.Time;

namespace Pipeline.Core.Tests.Rules;

public class RuleSetLoaderTests
{
    // The rule-file example of docs/rules.md ("A rule file"), without its comments and the heartbeat's expected list.
    internal const string DesignExample = """
        defaults: { outOfOrderTolerance: 5s, allowedLateness: 1m, latePolicy: drop, maxFutureSkew: 5m }
        rules:
          - id: overheat
            metric: temperature
            match: { deviceType: chiller }            # optional label selector
            window: { kind: tumbling, size: 1m }
            aggregate: avg
            when: "> 80"                              # fire condition
            clear: "< 75"                             # hysteresis (default: not when)
            for: 2m                                   # pending before firing
            keepFiringFor: 1m
            severity: critical                        # or a ladder: [{warning: "> 70"}, {critical: "> 80"}]
            overrides:                                # most specific match wins; alert says which
              - { match: { site: plant-7 }, when: "> 85" }
              - { match: { deviceId: chiller-17 }, when: "> 90" }
          - { id: vibration-anomaly, metric: vibration, detector: { kind: zscore, history: 300, threshold: 4, warmup: 50 } }
          - { id: offline, detector: { kind: heartbeat, timeout: 2m } }
          - { id: stuck, metric: pressure, detector: { kind: flatline, duration: 10m, tolerance: 0.01 } }
          - { id: ramp, metric: pressure, detector: { kind: rateOfChange, maxPerSecond: 2 } }
          - { id: hot-and-offline, composite: { all: [overheat, offline] } }
        """;

    // The same rules as DesignExample, in JSON.
    internal const string DesignExampleJson = """
        {
          "defaults": { "outOfOrderTolerance": "5s", "allowedLateness": "1m", "latePolicy": "drop", "maxFutureSkew": "5m" },
          "rules": [
            {
              "id": "overheat", "metric": "temperature", "match": { "deviceType": "chiller" },
              "window": { "kind": "tumbling", "size": "1m" }, "aggregate": "avg",
              "when": "> 80", "clear": "< 75", "for": "2m", "keepFiringFor": "1m", "severity": "critical",
              "overrides": [
                { "match": { "site": "plant-7" }, "when": "> 85" },
                { "match": { "deviceId": "chiller-17" }, "when": "> 90" }
              ]
            },
            { "id": "vibration-anomaly", "metric": "vibration", "detector": { "kind": "zscore", "history": 300, "threshold": 4, "warmup": 50 } },
            { "id": "offline", "detector": { "kind": "heartbeat", "timeout": "2m" } },
            { "id": "stuck", "metric": "pressure", "detector": { "kind": "flatline", "duration": "10m", "tolerance": 0.01 } },
            { "id": "ramp", "metric": "pressure", "detector": { "kind": "rateOfChange", "maxPerSecond": 2 } },
            { "id": "hot-and-offline", "composite": { "all": ["overheat", "offline"] } }
          ]
        }
        """;

    private static RuleSet LoadValid(string text, RuleFileFormat format = RuleFileFormat.Auto)
    {
        var result = RuleSetLoader.Load(text, format);
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Errors));
        return result.RuleSet!;
    }

    [Fact]
    public void Design_example_loads_to_the_expected_model()
    {
        var set = LoadValid(DesignExample);

        Assert.Equal(TimeSpan.FromSeconds(5), set.Defaults.OutOfOrderTolerance);
        Assert.Equal(TimeSpan.FromMinutes(1), set.Defaults.AllowedLateness);
        Assert.Equal(LatePolicy.Drop, set.Defaults.LatePolicy);
        Assert.Equal(TimeSpan.FromMinutes(5), set.Defaults.MaxFutureSkew);
        Assert.Equal(["overheat", "vibration-anomaly", "offline", "stuck", "ramp", "hot-and-offline"], set.Rules.Select(r => r.Id));

        var overheat = set.Find("overheat")!;
        Assert.Equal(RuleKind.Threshold, overheat.Kind);
        Assert.Null(overheat.Description);
        Assert.Equal("temperature", overheat.Metric);
        Assert.Equal(new Dictionary<string, string> { ["deviceType"] = "chiller" }, overheat.Match.Labels);
        Assert.Equal(new WindowSpec(WindowKind.Tumbling, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)), overheat.Window);
        Assert.Equal(new AggregateSpec(AggregateKind.Avg), overheat.Aggregate);
        Assert.Equal(new Condition(ComparisonOperator.GreaterThan, 80), overheat.When);
        Assert.Equal(new Condition(ComparisonOperator.LessThan, 75), overheat.Clear);
        Assert.Equal(TimeSpan.FromMinutes(2), overheat.For);
        Assert.Equal(TimeSpan.FromMinutes(1), overheat.KeepFiringFor);
        Assert.Equal(Severity.Critical, overheat.Severity);
        Assert.Empty(overheat.Ladder);
        Assert.Null(overheat.Detector);
        Assert.Null(overheat.Composite);
        Assert.Equal(2, overheat.Overrides.Count);
        Assert.Equal(new Dictionary<string, string> { ["site"] = "plant-7" }, overheat.Overrides[0].Match.Labels);
        Assert.Equal(new Condition(ComparisonOperator.GreaterThan, 85), overheat.Overrides[0].When);
        Assert.Null(overheat.Overrides[0].Clear);
        Assert.Null(overheat.Overrides[0].Severity);
        Assert.Null(overheat.Overrides[0].Ladder);
        Assert.Null(overheat.Overrides[0].For);
        Assert.Equal(new Dictionary<string, string> { ["deviceId"] = "chiller-17" }, overheat.Overrides[1].Match.Labels);
        Assert.Equal(new Condition(ComparisonOperator.GreaterThan, 90), overheat.Overrides[1].When);

        var vibration = set.Find("vibration-anomaly")!;
        Assert.Equal(RuleKind.Detector, vibration.Kind);
        Assert.Equal("vibration", vibration.Metric);
        Assert.Equal(new ZScoreDetectorSpec(300, 4, 50), vibration.Detector);
        Assert.Same(LabelSelector.Any, vibration.Match);
        Assert.Null(vibration.When);
        Assert.Equal(Severity.Warning, vibration.Severity);
        Assert.Equal(TimeSpan.Zero, vibration.For);

        var offline = set.Find("offline")!;
        Assert.Equal(RuleKind.Detector, offline.Kind);
        Assert.Null(offline.Metric);
        var heartbeat = Assert.IsType<HeartbeatDetectorSpec>(offline.Detector);
        Assert.Equal(TimeSpan.FromMinutes(2), heartbeat.Timeout);
        Assert.Empty(heartbeat.Expected);

        Assert.Equal(new FlatlineDetectorSpec(TimeSpan.FromMinutes(10), 0.01), set.Find("stuck")!.Detector);
        Assert.Equal("pressure", set.Find("stuck")!.Metric);
        Assert.Equal(new RateOfChangeDetectorSpec(2), set.Find("ramp")!.Detector);
        Assert.Equal("pressure", set.Find("ramp")!.Metric);

        var composite = set.Find("hot-and-offline")!;
        Assert.Equal(RuleKind.Composite, composite.Kind);
        Assert.Equal(CompositeMode.All, composite.Composite!.Mode);
        Assert.Equal(["overheat", "offline"], composite.Composite.RuleIds);
        Assert.Null(composite.Metric);
    }

    [Fact]
    public void Design_example_in_json_loads_to_the_same_rules_and_version()
    {
        var yaml = LoadValid(DesignExample, RuleFileFormat.Yaml);
        var json = LoadValid(DesignExampleJson, RuleFileFormat.Json);
        var auto = LoadValid(DesignExampleJson);

        Assert.Equal(yaml.Version, json.Version);
        Assert.Equal(yaml.Version, auto.Version);
        Assert.Equal(yaml.Rules.Select(r => r.Id), json.Rules.Select(r => r.Id));
        Assert.Equal(yaml.Find("overheat")!.Overrides[1].When, json.Find("overheat")!.Overrides[1].When);
    }

    [Fact]
    public void Missing_defaults_take_the_default_values()
    {
        var set = LoadValid("""
            defaults: { latePolicy: deadLetter }
            rules:
              - { id: r, metric: temperature, when: "> 1" }
            """);

        Assert.Equal(RuleDefaults.Default with { Disorder = DisorderPolicy.Default with { Late = LatePolicy.DeadLetter } }, set.Defaults);
        Assert.Equal(RuleDefaults.Default, LoadValid("rules: [{ id: r, metric: temperature, when: \"> 1\" }]").Defaults);
    }

    [Fact]
    public void Detector_settings_left_out_take_their_defaults()
    {
        var set = LoadValid("""
            rules:
              - { id: z, metric: vibration, detector: { kind: zscore } }
              - { id: small, metric: vibration, detector: { kind: zscore, history: 10 } }
              - { id: e, metric: humidity, detector: { kind: ewma } }
              - { id: f, metric: pressure, detector: { kind: flatline, duration: 10m } }
              - { id: h, detector: { kind: heartbeat, timeout: 90s, expected: [d1, d2] } }
            """);

        Assert.Equal(new ZScoreDetectorSpec(300, 4, 30), set.Find("z")!.Detector);

        // The default warmup (30) is capped by a shorter history rather than reported as an error.
        Assert.Equal(new ZScoreDetectorSpec(10, 4, 10), set.Find("small")!.Detector);
        Assert.Equal(new EwmaDetectorSpec(0.1, 4, 30), set.Find("e")!.Detector);
        Assert.Equal(new FlatlineDetectorSpec(TimeSpan.FromMinutes(10), 0), set.Find("f")!.Detector);
        var heartbeat = Assert.IsType<HeartbeatDetectorSpec>(set.Find("h")!.Detector);
        Assert.Equal(TimeSpan.FromSeconds(90), heartbeat.Timeout);
        Assert.Equal(["d1", "d2"], heartbeat.Expected);
    }

    [Fact]
    public void Severity_ladder_sets_the_ladder_and_the_most_severe_step()
    {
        var set = LoadValid("""
            rules:
              - id: humid
                metric: humidity
                severity: [{warning: "> 70"}, {critical: "> 80"}, {error: ">= 75"}]
                clear: "< 65"
                overrides:
                  - { match: { site: plant-3 }, severity: [{info: "> 66"}, {error: "> 90"}] }
            """);

        var rule = set.Find("humid")!;
        Assert.Null(rule.When);
        Assert.Equal(
            [
                new SeverityStep(Severity.Warning, new Condition(ComparisonOperator.GreaterThan, 70)),
                new SeverityStep(Severity.Critical, new Condition(ComparisonOperator.GreaterThan, 80)),
                new SeverityStep(Severity.Error, new Condition(ComparisonOperator.GreaterOrEqual, 75)),
            ],
            rule.Ladder);
        Assert.Equal(Severity.Critical, rule.Severity);
        Assert.Equal(new Condition(ComparisonOperator.LessThan, 65), rule.Clear);
        Assert.Equal(
            [
                new SeverityStep(Severity.Info, new Condition(ComparisonOperator.GreaterThan, 66)),
                new SeverityStep(Severity.Error, new Condition(ComparisonOperator.GreaterThan, 90)),
            ],
            rule.Overrides[0].Ladder!);
        Assert.Equal(Severity.Error, rule.Overrides[0].Severity);
    }

    [Fact]
    public void Windows_and_aggregates_of_every_kind_load()
    {
        var set = LoadValid("""
            rules:
              - { id: t, metric: m, window: { kind: tumbling, size: 30s }, aggregate: count, when: "> 1" }
              - { id: h, metric: m, window: { kind: hopping, size: 10m, hop: 1m }, aggregate: p95, when: "> 1" }
              - { id: hs, metric: m, window: { kind: hopping, size: 1m, hop: 1m }, aggregate: p99.9, when: "> 1" }
              - { id: s, metric: m, window: { kind: sliding, size: 5m }, aggregate: stddev, when: "> 1" }
              - { id: se, metric: m, window: { kind: session, gap: 2m, maxDuration: 1h }, aggregate: rateOfChange, when: "> 1" }
              - { id: sum, metric: m, window: { kind: tumbling, size: 1m }, aggregate: sum, when: "> 1" }
              - { id: min, metric: m, window: { kind: tumbling, size: 1m }, aggregate: min, when: "> 1" }
              - { id: max, metric: m, window: { kind: tumbling, size: 1m }, aggregate: max, when: "> 1" }
              - { id: last, metric: m, window: { kind: tumbling, size: 1m }, aggregate: last, when: "> 1" }
            """);

        Assert.Equal(new WindowSpec(WindowKind.Tumbling, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)), set.Find("t")!.Window);
        Assert.Equal(new AggregateSpec(AggregateKind.Count), set.Find("t")!.Aggregate);
        Assert.Equal(new WindowSpec(WindowKind.Hopping, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1)), set.Find("h")!.Window);
        Assert.Equal(new AggregateSpec(AggregateKind.Percentile, 95), set.Find("h")!.Aggregate);
        Assert.Equal(new AggregateSpec(AggregateKind.Percentile, 99.9), set.Find("hs")!.Aggregate);
        Assert.Equal(new WindowSpec(WindowKind.Sliding, TimeSpan.FromMinutes(5)), set.Find("s")!.Window);
        Assert.Equal(new AggregateSpec(AggregateKind.StdDev), set.Find("s")!.Aggregate);
        Assert.Equal(new WindowSpec(WindowKind.Session, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromMinutes(2), TimeSpan.FromHours(1)), set.Find("se")!.Window);
        Assert.Equal(new AggregateSpec(AggregateKind.RateOfChange), set.Find("se")!.Aggregate);
        Assert.Equal(new AggregateSpec(AggregateKind.Sum), set.Find("sum")!.Aggregate);
        Assert.Equal(new AggregateSpec(AggregateKind.Min), set.Find("min")!.Aggregate);
        Assert.Equal(new AggregateSpec(AggregateKind.Max), set.Find("max")!.Aggregate);
        Assert.Equal(new AggregateSpec(AggregateKind.Last), set.Find("last")!.Aggregate);
    }

    [Fact]
    public void Composite_any_and_detector_overrides_load()
    {
        var set = LoadValid("""
            rules:
              - { id: a, metric: m, when: "> 1" }
              - id: b
                description: no data
                match: { deviceType: pump, site: plant-2 }
                detector: { kind: heartbeat, timeout: 2m }
                severity: error
                for: 30s
                keepFiringFor: PT1M
                overrides:
                  - { match: { deviceId: pump-9 }, severity: info, for: 0s }
              - { id: c, composite: { any: [a, b] } }
            """);

        var b = set.Find("b")!;
        Assert.Equal("no data", b.Description);
        Assert.Equal(new Dictionary<string, string> { ["deviceType"] = "pump", ["site"] = "plant-2" }, b.Match.Labels);
        Assert.Equal(Severity.Error, b.Severity);
        Assert.Equal(TimeSpan.FromSeconds(30), b.For);
        Assert.Equal(TimeSpan.FromMinutes(1), b.KeepFiringFor);
        Assert.Equal(Severity.Info, b.Overrides[0].Severity);
        Assert.Equal(TimeSpan.Zero, b.Overrides[0].For);
        Assert.Equal(CompositeMode.Any, set.Find("c")!.Composite!.Mode);
        Assert.Equal(["a", "b"], set.Find("c")!.Composite!.RuleIds);
    }

    [Fact]
    public void Yaml_anchors_and_null_values_are_understood()
    {
        var set = LoadValid("""
            rules:
              - id: a
                metric: temperature
                match: &chillers { deviceType: chiller }
                when: "> 1"
                description: ~
              - id: b
                metric: temperature
                match: *chillers
                when: "> 2"
                for:
            """);

        Assert.Equal(new Dictionary<string, string> { ["deviceType"] = "chiller" }, set.Find("b")!.Match.Labels);
        Assert.Null(set.Find("a")!.Description);
        Assert.Equal(TimeSpan.Zero, set.Find("b")!.For);
    }

    [Fact]
    public void Version_is_v_dash_and_16_hex_characters_and_matches_ComputeVersion()
    {
        var set = LoadValid(DesignExample);

        Assert.Matches("^v-[0-9a-f]{16}$", set.Version);
        Assert.Equal(set.Version, RuleSetLoader.ComputeVersion(set.Defaults, set.Rules));
    }

    [Fact]
    public void Version_is_stable_under_reformatting()
    {
        var original = LoadValid(DesignExample).Version;

        // Block style, comments, other key order, other rule order, defaults written out, same meaning.
        var reformatted = LoadValid("""
            # reformatted
            rules:
              - id: hot-and-offline
                composite:
                  all:
                    - overheat
                    - offline
              - id: ramp
                metric: pressure
                detector:
                  maxPerSecond: 2.0
                  kind: rateOfChange
              - id: stuck
                metric: pressure
                detector: { kind: flatline, duration: 600s, tolerance: 1e-2 }
              - id: offline
                detector: { kind: heartbeat, timeout: PT2M }
              - id: vibration-anomaly
                metric: vibration
                severity: warning
                detector: { kind: zscore, history: 300, threshold: 4, warmup: 50 }
              - id: overheat
                severity: critical
                when: ">80"
                clear: "<75.0"
                metric: temperature
                aggregate: avg
                window:
                  size: 60s
                  kind: tumbling
                match:
                  deviceType: chiller
                for: 120s
                keepFiringFor: 1m
                overrides:
                  - match: { site: plant-7 }
                    when: "> 85"
                  - match: { deviceId: chiller-17 }
                    when: "> 90"
            defaults:
              maxFutureSkew: 5m
              latePolicy: drop
            """).Version;

        Assert.Equal(original, reformatted);
    }

    [Fact]
    public void Version_changes_when_a_threshold_changes()
    {
        var original = LoadValid(DesignExample).Version;
        var changed = LoadValid(DesignExample.Replace("when: \"> 80\"", "when: \"> 81\"", StringComparison.Ordinal)).Version;
        var changedOverride = LoadValid(DesignExample.Replace("\"> 90\"", "\"> 91\"", StringComparison.Ordinal)).Version;
        var changedDefaults = LoadValid(DesignExample.Replace("allowedLateness: 1m", "allowedLateness: 2m", StringComparison.Ordinal)).Version;

        Assert.NotEqual(original, changed);
        Assert.NotEqual(original, changedOverride);
        Assert.NotEqual(original, changedDefaults);
        Assert.Equal(4, new[] { original, changed, changedOverride, changedDefaults }.Distinct().Count());
    }

    [Fact]
    public void Error_text_names_line_rule_and_field()
    {
        Assert.Equal(
            "line 12: rule 'overheat', field 'window.size': must be a positive duration like 30s, 5m, 1h (got '-1m')",
            new RuleError("overheat", "window.size", "must be a positive duration like 30s, 5m, 1h (got '-1m')", 12).ToString());
        Assert.Equal("field 'rules': must contain at least one rule", new RuleError(null, "rules", "must contain at least one rule", null).ToString());
        Assert.Equal("line 3: invalid YAML: x", new RuleError(null, string.Empty, "invalid YAML: x", 3).ToString());
    }

    [Fact]
    public void The_reported_error_for_a_negative_window_size_reads_as_documented()
    {
        var result = RuleSetLoader.Load("""
            rules:
              - id: overheat
                metric: temperature
                window: { kind: tumbling, size: -1m }
                aggregate: avg
                when: "> 80"
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal("line 4: rule 'overheat', field 'window.size': must be a positive duration like 30s, 5m, 1h (got '-1m')", error.ToString());
    }
}
