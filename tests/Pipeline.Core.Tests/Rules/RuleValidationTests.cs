using Pipeline.Core.Rules;

namespace Pipeline.Core.Tests.Rules;

/// <summary>Each invalid file is rejected with an error naming the rule, the field and the line (counted by hand).</summary>
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

    public static TheoryData<string, string?, string, int, string> FileErrors => new()
    {
        {
            """
            rulez:
              - { id: r, metric: m, when: "> 1" }
            """,
            null, "rulez", 1, "unknown field 'rulez' in the file (did you mean 'rules'?)"
        },
        { "defaults: { allowedLateness: 1m }", null, "rules", 1, "is required" },
        { "rules: []", null, "rules", 1, "must contain at least one rule" },
        { "rules: { id: r }", null, "rules", 1, "must be a list of rules" },
        { "- id: r", null, string.Empty, 1, "the file must be a mapping with 'rules'" },
        {
            """
            rules:
              - overheat
            """,
            null, "rules[0]", 2, "each rule must be a mapping"
        },
        {
            """
            defaults: { latePolicy: dropp }
            rules: [{ id: r, metric: m, when: "> 1" }]
            """,
            null, "defaults.latePolicy", 1, "unknown late policy 'dropp' (did you mean 'drop'?)"
        },
        {
            """
            defaults:
              outOfOrderTolerance: 5s
              allowedLateness: later
            rules: [{ id: r, metric: m, when: "> 1" }]
            """,
            null, "defaults.allowedLateness", 3, "must be a duration like 0s, 30s, 5m, 1h (got 'later')"
        },
        {
            """
            defaults:
              lateness: 1m
            rules: [{ id: r, metric: m, when: "> 1" }]
            """,
            null, "defaults.lateness", 2, "unknown field 'lateness'"
        },
        {
            """
            defaults: { maxFutureSkew: 0s }
            rules: [{ id: r, metric: m, when: "> 1" }]
            """,
            null, "defaults.maxFutureSkew", 1, "must be a positive duration"
        },
    };

    public static TheoryData<string, string?, string, int, string> RuleFieldErrors => new()
    {
        {
            """
            rules:
              - id: r
                metric: temperature
                wehn: "> 80"
            """,
            "r", "wehn", 4, "unknown field 'wehn' in a rule (did you mean 'when'?)"
        },
        {
            """
            rules:
              - metric: temperature
                when: "> 80"
            """,
            null, "id", 2, "is required"
        },
        {
            """
            rules:
              - id: "over heat"
                metric: temperature
                when: "> 80"
            """,
            "over heat", "id", 2, "must contain only letters, digits, '_', '.' and '-'"
        },
        {
            """
            rules:
              - { id: a, metric: m, when: "> 1" }
              - { id: a, metric: m, when: "> 2" }
            """,
            "a", "id", 3, "duplicate id 'a' (first used at line 2)"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                when: "> 90"
            """,
            "r", "when", 5, "duplicate field 'when' (first given at line 4)"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: above 80
            """,
            "r", "when", 4, "must start with one of >, >=, <, <=, ==, !="
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> eighty"
            """,
            "r", "when", 4, "'eighty' is not a number"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                match: { site: [plant-1, plant-2] }
                when: "> 80"
            """,
            "r", "match.site", 4, "must be a label value, not a list"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                severity: urgent
            """,
            "r", "severity", 5, "unknown severity 'urgent' (expected one of: info, warning, error, critical)"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                for: -5m
            """,
            "r", "for", 5, "must be a duration like 0s, 30s, 5m, 1h (got '-5m')"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                keepFiringFor: soon
            """,
            "r", "keepFiringFor", 5, "(got 'soon')"
        },
        {
            """
            rules:
              - id: r
                metric: ""
                when: "> 80"
            """,
            "r", "metric", 3, "must be a metric name, not empty"
        },
    };

    public static TheoryData<string, string?, string, int, string> WindowErrors => new()
    {
        {
            """
            rules:
              - id: overheat
                metric: temperature
                window: { kind: tumbling, size: -1m }
                aggregate: avg
                when: "> 80"
            """,
            "overheat", "window.size", 4, "must be a positive duration like 30s, 5m, 1h (got '-1m')"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                window: { kind: tumbling, size: 0s }
                aggregate: avg
                when: "> 80"
            """,
            "r", "window.size", 4, "must be a positive duration"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                window: { kind: tumbleing, size: 1m }
                aggregate: avg
                when: "> 80"
            """,
            "r", "window.kind", 4, "unknown window kind 'tumbleing' (did you mean 'tumbling'?)"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                window: { size: 1m }
                aggregate: avg
                when: "> 80"
            """,
            "r", "window.kind", 4, "is required"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                window:
                  kind: hopping
                  size: 1m
                  hop: 5m
                aggregate: avg
                when: "> 80"
            """,
            "r", "window.hop", 7, "must not exceed the window size 1m (got '5m')"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                window: { kind: hopping, size: 10m }
                aggregate: avg
                when: "> 80"
            """,
            "r", "window.hop", 4, "is required for a hopping window"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                window:
                  kind: session
                  gap: 5m
                  maxDuration: 1m
                aggregate: avg
                when: "> 80"
            """,
            "r", "window.maxDuration", 7, "must be at least the gap 5m (got '1m')"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                window: { kind: session, gap: 5m }
                aggregate: avg
                when: "> 80"
            """,
            "r", "window.maxDuration", 4, "is required for a session window"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                window:
                  kind: tumbling
                  size: 1m
                  gap: 10s
                aggregate: avg
                when: "> 80"
            """,
            "r", "window.gap", 7, "unknown field 'gap' in a tumbling window"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                window: { kind: tumbling, size: 1m }
                when: "> 80"
            """,
            "r", "window", 4, "a window needs an 'aggregate'"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                aggregate: avg
                when: "> 80"
            """,
            "r", "aggregate", 4, "needs a 'window' to aggregate over"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                window: { kind: tumbling, size: 1m }
                aggregate: avgg
                when: "> 80"
            """,
            "r", "aggregate", 5, "unknown aggregate 'avgg' (did you mean 'avg'?)"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                window: { kind: tumbling, size: 1m }
                aggregate: p100
                when: "> 80"
            """,
            "r", "aggregate", 5, "a percentile must be between p0 and p100, exclusive"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                window: { kind: tumbling, size: 1m }
                aggregate: p0
                when: "> 80"
            """,
            "r", "aggregate", 5, "(got 'p0')"
        },
    };

    public static TheoryData<string, string?, string, int, string> ThresholdErrors => new()
    {
        {
            """
            rules:
              - id: r
                when: "> 80"
            """,
            "r", "metric", 2, "is required for a threshold rule"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
            """,
            "r", "when", 2, "a threshold rule needs 'when'"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                severity: [{warning: "> 70"}, {critical: "> 80"}]
            """,
            "r", "when", 4, "a severity ladder replaces 'when'"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                clear: "> 70"
            """,
            "r", "clear", 5, "clear '> 70' must be the opposite direction of when '> 80' (use < or <=)"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                clear: "< 85"
            """,
            "r", "clear", 5, "clear '< 85' overlaps when '> 80' (a value can meet both); its threshold must be at or below 80"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: ">= 80"
                clear: "<= 80"
            """,
            "r", "clear", 5, "its threshold must be below 80"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "< 10"
                clear: "< 15"
            """,
            "r", "clear", 5, "must be the opposite direction of when '< 10' (use > or >=)"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "< 10"
                clear: "> 5"
            """,
            "r", "clear", 5, "its threshold must be at or above 10"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "== 0"
                clear: "!= 0"
            """,
            "r", "clear", 5, "clear needs when '== 0' to use >, >=, < or <="
        },
        {
            """
            rules:
              - id: r
                metric: humidity
                severity: [{warning: "> 70"}, {critical: "> 80"}]
                clear: "< 72"
            """,
            "r", "clear", 5, "clear '< 72' overlaps ladder step 'warning' '> 70'"
        },
        {
            """
            rules:
              - id: r
                metric: humidity
                severity:
                  - warning: "> 70"
                  - warning: "> 80"
            """,
            "r", "severity[1]", 6, "severity 'warning' appears twice in the ladder (first at line 5)"
        },
        {
            """
            rules:
              - id: r
                metric: humidity
                severity:
                  - warning: "> 90"
                  - critical: "> 80"
            """,
            "r", "severity[0]", 5, "step 'warning: > 90' can never decide: whenever it holds, the more severe 'critical: > 80' holds too"
        },
        {
            """
            rules:
              - id: r
                metric: humidity
                severity:
                  - warning
            """,
            "r", "severity[0]", 5, "each ladder step must be one severity with its condition"
        },
        {
            """
            rules:
              - id: r
                metric: humidity
                severity:
                  - severe: "> 90"
            """,
            "r", "severity[0]", 5, "unknown severity 'severe'"
        },
        {
            """
            rules:
              - id: r
                metric: humidity
                severity: []
            """,
            "r", "severity", 4, "a severity ladder needs at least one step"
        },
    };

    public static TheoryData<string, string?, string, int, string> OverrideErrors => new()
    {
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                overrides:
                  - { when: "> 85" }
            """,
            "r", "overrides[0].match", 6, "is required"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                overrides:
                  - { match: {}, when: "> 85" }
            """,
            "r", "overrides[0].match", 6, "must name at least one label"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                overrides:
                  - { match: { site: plant-7 }, when: "> 85" }
                  - { match: { site: plant-7 }, when: "> 95" }
            """,
            "r", "overrides[1].match", 7, "the same match as overrides[0]"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                clear: "< 75"
                overrides:
                  - { match: { site: plant-7 }, when: "> 70" }
            """,
            "r", "overrides[0].when", 7, "the rule's clear '< 75' overlaps when '> 70'"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                overrides:
                  - match: { site: plant-7 }
                    clear: "> 70"
            """,
            "r", "overrides[0].clear", 7, "clear '> 70' must be the opposite direction of the rule's when '> 80'"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                overrides:
                  - match: { site: plant-7 }
                    wehn: "> 85"
            """,
            "r", "overrides[0].wehn", 7, "unknown field 'wehn' in an override (did you mean 'when'?)"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                overrides:
                  - match: { site: plant-7 }
            """,
            "r", "overrides[0]", 6, "changes nothing"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                overrides:
                  - match: { site: plant-7 }
                    severity: [{warning: "> 85"}]
            """,
            "r", "overrides[0].severity", 7, "the rule uses 'when', so an override gives 'when' and a single severity"
        },
        {
            """
            rules:
              - id: r
                metric: humidity
                severity: [{warning: "> 70"}, {critical: "> 80"}]
                overrides:
                  - match: { site: plant-7 }
                    when: "> 85"
            """,
            "r", "overrides[0].when", 7, "the rule uses a severity ladder"
        },
        {
            """
            rules:
              - id: r
                metric: humidity
                severity: [{warning: "> 70"}, {critical: "> 80"}]
                overrides:
                  - match: { site: plant-7 }
                    severity: critical
            """,
            "r", "overrides[0].severity", 7, "the rule uses a severity ladder, so an override gives a ladder, not a single severity"
        },
        {
            """
            rules:
              - id: r
                metric: humidity
                severity: [{warning: "> 70"}, {critical: "> 80"}]
                clear: "< 65"
                overrides:
                  - match: { site: plant-7 }
                    severity: [{warning: "> 60"}]
            """,
            "r", "overrides[0].severity", 8, "the rule's clear '< 65' overlaps ladder step 'warning' '> 60'"
        },
        {
            """
            rules:
              - id: r
                detector: { kind: heartbeat, timeout: 2m }
                overrides:
                  - match: { site: plant-7 }
                    when: "> 85"
            """,
            "r", "overrides[0].when", 6, "a detector rule has no condition to override"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                when: "> 80"
                overrides:
                  - match: { site: plant-7 }
                    for: forever
            """,
            "r", "overrides[0].for", 7, "(got 'forever')"
        },
    };

    public static TheoryData<string, string?, string, int, string> DetectorErrors => new()
    {
        {
            """
            rules:
              - id: r
                metric: vibration
                detector: { kind: zscor }
            """,
            "r", "detector.kind", 4, "unknown detector kind 'zscor' (did you mean 'zscore'?)"
        },
        {
            """
            rules:
              - id: r
                metric: vibration
                detector: { history: 10 }
            """,
            "r", "detector.kind", 4, "is required"
        },
        {
            """
            rules:
              - id: r
                metric: vibration
                detector: { kind: zscore, history: 1 }
            """,
            "r", "detector.history", 4, "must be a whole number from 2 to 4096 (got '1')"
        },
        {
            """
            rules:
              - id: r
                metric: vibration
                detector: { kind: zscore, history: 300.5 }
            """,
            "r", "detector.history", 4, "(got '300.5')"
        },
        {
            """
            rules:
              - id: r
                metric: vibration
                detector:
                  kind: zscore
                  history: 20
                  warmup: 50
            """,
            "r", "detector.warmup", 7, "must be a whole number from 0 to the history 20 (got '50')"
        },
        {
            """
            rules:
              - id: r
                metric: vibration
                detector: { kind: zscore, threshold: 0 }
            """,
            "r", "detector.threshold", 4, "must be a number > 0"
        },
        {
            """
            rules:
              - id: r
                metric: vibration
                detector: { kind: zscore, alpha: 0.5 }
            """,
            "r", "detector.alpha", 4, "unknown field 'alpha' in a zscore detector"
        },
        {
            """
            rules:
              - id: r
                detector: { kind: zscore }
            """,
            "r", "metric", 3, "is required for a zscore detector"
        },
        {
            """
            rules:
              - id: r
                metric: humidity
                detector: { kind: ewma, alpha: 1.5 }
            """,
            "r", "detector.alpha", 4, "must be a number in (0, 1] (got '1.5')"
        },
        {
            """
            rules:
              - id: r
                metric: humidity
                detector: { kind: ewma, alpha: 0 }
            """,
            "r", "detector.alpha", 4, "(got '0')"
        },
        {
            """
            rules:
              - id: r
                metric: humidity
                detector: { kind: ewma, warmup: -1 }
            """,
            "r", "detector.warmup", 4, "(got '-1')"
        },
        {
            """
            rules:
              - id: r
                detector: { kind: heartbeat }
            """,
            "r", "detector.timeout", 3, "is required for a heartbeat detector"
        },
        {
            """
            rules:
              - id: r
                metric: temperature
                detector: { kind: heartbeat, timeout: 2m }
            """,
            "r", "metric", 3, "is not used by a heartbeat rule"
        },
        {
            """
            rules:
              - id: r
                detector: { kind: heartbeat, timeout: 2m }
                window: { kind: tumbling, size: 1m }
            """,
            "r", "window", 4, "is not used by a heartbeat rule"
        },
        {
            """
            rules:
              - id: r
                detector:
                  kind: heartbeat
                  timeout: 2m
                  expected: [d1, d1]
            """,
            "r", "detector.expected[1]", 6, "device 'd1' is listed twice"
        },
        {
            """
            rules:
              - id: r
                metric: vibration
                detector: { kind: zscore }
                when: "> 3"
            """,
            "r", "when", 5, "is not used by a detector rule"
        },
        {
            """
            rules:
              - id: r
                metric: vibration
                detector: { kind: zscore }
                severity: [{warning: "> 3"}]
            """,
            "r", "severity", 5, "a detector rule takes a single severity, not a ladder"
        },
        {
            """
            rules:
              - id: r
                metric: pressure
                detector: { kind: flatline, duration: 10m, tolerance: -1 }
            """,
            "r", "detector.tolerance", 4, "must be a number ≥ 0 (got '-1')"
        },
        {
            """
            rules:
              - id: r
                metric: pressure
                detector: { kind: flatline, duration: 0s }
            """,
            "r", "detector.duration", 4, "must be a positive duration"
        },
        {
            """
            rules:
              - id: r
                metric: pressure
                detector: { kind: rateOfChange }
            """,
            "r", "detector.maxPerSecond", 4, "is required for a rateOfChange detector"
        },
        {
            """
            rules:
              - id: r
                metric: pressure
                detector: { kind: rateOfChange, maxPerSecond: -2 }
            """,
            "r", "detector.maxPerSecond", 4, "must be a number > 0"
        },
    };

    public static TheoryData<string, string?, string, int, string> CompositeErrors => new()
    {
        {
            """
            rules:
              - { id: overheat, metric: temperature, when: "> 80" }
              - { id: offline, detector: { kind: heartbeat, timeout: 2m } }
              - id: both
                composite: { all: [overheat, ofline] }
            """,
            "both", "composite.all[1]", 5, "no rule has the id 'ofline' (did you mean 'offline'?)"
        },
        {
            """
            rules:
              - id: loop
                composite: { any: [loop] }
            """,
            "loop", "composite.any[0]", 3, "a composite rule cannot refer to itself"
        },
        {
            """
            rules:
              - id: a
                composite: { all: [b] }
              - id: b
                composite: { all: [a] }
            """,
            "a", "composite", 3, "composite rules refer to each other in a cycle: a -> b -> a"
        },
        {
            """
            rules:
              - id: a
                composite: { all: [b] }
              - id: b
                composite: { all: [a] }
            """,
            "b", "composite", 5, "cycle: b -> a -> b"
        },
        {
            """
            rules:
              - { id: x, metric: m, when: "> 1" }
              - id: c
                metric: temperature
                composite: { all: [x] }
            """,
            "c", "metric", 4, "is not used by a composite rule"
        },
        {
            """
            rules:
              - { id: x, metric: m, when: "> 1" }
              - id: c
                composite: { all: [x], any: [x] }
            """,
            "c", "composite", 4, "give either 'all' or 'any', not both"
        },
        {
            """
            rules:
              - id: c
                composite: { all: [] }
            """,
            "c", "composite.all", 3, "must be a non-empty list of rule ids"
        },
        {
            """
            rules:
              - { id: x, metric: m, when: "> 1" }
              - id: c
                composite: { all: [x, x] }
            """,
            "c", "composite.all[1]", 4, "rule 'x' is listed twice"
        },
        {
            """
            rules:
              - { id: x, metric: m, when: "> 1" }
              - id: c
                metric: m
                detector: { kind: zscore }
                composite: { all: [x] }
            """,
            "c", "composite", 6, "a rule is either a detector or a composite, not both"
        },
        {
            """
            rules:
              - { id: x, metric: m, when: "> 1" }
              - id: c
                composite: { every: [x] }
            """,
            "c", "composite.every", 4, "unknown field 'every' in a composite (expected one of: all, any)"
        },
    };

    [Theory]
    [MemberData(nameof(FileErrors))]
    public void File_level_errors(string text, string? ruleId, string field, int line, string fragment) =>
        AssertRejected(text, ruleId, field, line, fragment);

    [Theory]
    [MemberData(nameof(RuleFieldErrors))]
    public void Rule_field_errors(string text, string? ruleId, string field, int line, string fragment) =>
        AssertRejected(text, ruleId, field, line, fragment);

    [Theory]
    [MemberData(nameof(WindowErrors))]
    public void Window_and_aggregate_errors(string text, string? ruleId, string field, int line, string fragment) =>
        AssertRejected(text, ruleId, field, line, fragment);

    [Theory]
    [MemberData(nameof(ThresholdErrors))]
    public void Threshold_condition_errors(string text, string? ruleId, string field, int line, string fragment) =>
        AssertRejected(text, ruleId, field, line, fragment);

    [Theory]
    [MemberData(nameof(OverrideErrors))]
    public void Override_errors(string text, string? ruleId, string field, int line, string fragment) =>
        AssertRejected(text, ruleId, field, line, fragment);

    [Theory]
    [MemberData(nameof(DetectorErrors))]
    public void Detector_errors(string text, string? ruleId, string field, int line, string fragment) =>
        AssertRejected(text, ruleId, field, line, fragment);

    [Theory]
    [MemberData(nameof(CompositeErrors))]
    public void Composite_errors(string text, string? ruleId, string field, int line, string fragment) =>
        AssertRejected(text, ruleId, field, line, fragment);

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
