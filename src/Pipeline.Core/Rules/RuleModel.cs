using Pipeline.Core.Alerts;
using Pipeline.Core.Time;

namespace Pipeline.Core.Rules;

/// <summary>A validated rule set. <see cref="Version"/> is a content hash that every alert carries.</summary>
public sealed record RuleSet(string Version, RuleDefaults Defaults, IReadOnlyList<Rule> Rules)
{
    /// <summary>
    /// The file's <c>inhibitions:</c>, validated against <see cref="Rules"/> by the loader, so a rule set and its
    /// inhibitions are always replaced together. Part of <see cref="Version"/> when there are any.
    /// </summary>
    public IReadOnlyList<InhibitionRule> Inhibitions { get; init; } = [];

    public Rule? Find(string id) => Rules.FirstOrDefault(r => r.Id == id);
}

/// <summary>Event-time settings shared by the rules of a set: the disorder policy and the future-skew limit.</summary>
public sealed record RuleDefaults(DisorderPolicy Disorder, TimeSpan MaxFutureSkew)
{
    public static RuleDefaults Default { get; } = new(DisorderPolicy.Default, TimeSpan.FromMinutes(5));

    public TimeSpan OutOfOrderTolerance => Disorder.OutOfOrderTolerance;

    public TimeSpan AllowedLateness => Disorder.AllowedLateness;

    public LatePolicy LatePolicy => Disorder.Late;
}

public enum RuleKind
{
    Threshold,
    Detector,
    Composite,
}

/// <summary>One rule. Exactly one of threshold (<see cref="When"/> or <see cref="Ladder"/>), <see cref="Detector"/> or <see cref="Composite"/> is set.</summary>
public sealed record Rule
{
    public required string Id { get; init; }
    public string? Description { get; init; }

    /// <summary>The metric the rule reads; null for heartbeat and composite rules.</summary>
    public string? Metric { get; init; }

    public LabelSelector Match { get; init; } = LabelSelector.Any;
    public WindowSpec? Window { get; init; }

    /// <summary>The window aggregate; null without a window (each event's value is evaluated).</summary>
    public AggregateSpec? Aggregate { get; init; }

    public Condition? When { get; init; }

    /// <summary>Hysteresis: the condition that resolves a firing alert. Null: resolve when the fire condition no longer holds.</summary>
    public Condition? Clear { get; init; }

    /// <summary>A severity ladder; the most severe step whose condition holds decides the severity.</summary>
    public IReadOnlyList<SeverityStep> Ladder { get; init; } = [];

    public Severity Severity { get; init; } = Severity.Warning;

    /// <summary>How long the condition must hold (Pending) before the alert fires.</summary>
    public TimeSpan For { get; init; }

    /// <summary>How long a firing alert keeps firing after its condition cleared.</summary>
    public TimeSpan KeepFiringFor { get; init; }

    public IReadOnlyList<RuleOverride> Overrides { get; init; } = [];
    public DetectorSpec? Detector { get; init; }
    public CompositeSpec? Composite { get; init; }

    public RuleKind Kind => Composite is not null ? RuleKind.Composite : Detector is not null ? RuleKind.Detector : RuleKind.Threshold;
}

/// <summary>A per-label-match replacement of a rule's condition; the most specific matching override wins.</summary>
public sealed record RuleOverride
{
    public required LabelSelector Match { get; init; }
    public Condition? When { get; init; }
    public Condition? Clear { get; init; }
    public IReadOnlyList<SeverityStep>? Ladder { get; init; }
    public Severity? Severity { get; init; }
    public TimeSpan? For { get; init; }
}

public sealed record SeverityStep(Severity Severity, Condition When);

public enum ComparisonOperator
{
    GreaterThan,
    GreaterOrEqual,
    LessThan,
    LessOrEqual,
    Equal,
    NotEqual,
}

/// <summary>A comparison against a threshold, written <c>"&gt; 80"</c> in rule files.</summary>
public readonly record struct Condition(ComparisonOperator Operator, double Threshold)
{
    public bool IsMet(double value) => Operator switch
    {
        ComparisonOperator.GreaterThan => value > Threshold,
        ComparisonOperator.GreaterOrEqual => value >= Threshold,
        ComparisonOperator.LessThan => value < Threshold,
        ComparisonOperator.LessOrEqual => value <= Threshold,
        ComparisonOperator.Equal => value == Threshold,
        ComparisonOperator.NotEqual => value != Threshold,
        _ => false,
    };

    public string Symbol => Operator switch
    {
        ComparisonOperator.GreaterThan => ">",
        ComparisonOperator.GreaterOrEqual => ">=",
        ComparisonOperator.LessThan => "<",
        ComparisonOperator.LessOrEqual => "<=",
        ComparisonOperator.Equal => "==",
        _ => "!=",
    };

    public override string ToString() => $"{Symbol} {Threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>Parses <c>"&gt; 80"</c>, <c>"&lt;= -3.5"</c>, <c>"== 0"</c> …</summary>
    public static bool TryParse(string? text, out Condition condition, out string error)
    {
        condition = default;
        var s = (text ?? string.Empty).Trim();
        (string symbol, ComparisonOperator op)[] operators =
        [
            (">=", ComparisonOperator.GreaterOrEqual), ("<=", ComparisonOperator.LessOrEqual), ("==", ComparisonOperator.Equal),
            ("!=", ComparisonOperator.NotEqual), (">", ComparisonOperator.GreaterThan), ("<", ComparisonOperator.LessThan),
        ];
        foreach (var (symbol, op) in operators)
        {
            if (!s.StartsWith(symbol, StringComparison.Ordinal))
            {
                continue;
            }

            var number = s[symbol.Length..].Trim();
            if (!double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var threshold)
                || !double.IsFinite(threshold))
            {
                error = $"'{text}' must be an operator followed by a finite number, e.g. \"> 80\"; '{number}' is not a number";
                return false;
            }

            condition = new Condition(op, threshold);
            error = string.Empty;
            return true;
        }

        error = $"'{text}' must start with one of >, >=, <, <=, ==, != followed by a number, e.g. \"> 80\"";
        return false;
    }
}

/// <summary>
/// Label equality selector. The pseudo-label <c>deviceId</c> matches the key. Specificity orders overrides:
/// a <c>deviceId</c> match beats any number of plain labels; otherwise more labels is more specific.
/// </summary>
public sealed record LabelSelector(IReadOnlyDictionary<string, string> Labels)
{
    public const string DeviceIdLabel = "deviceId";

    public static LabelSelector Any { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal));

    public int Specificity => (Labels.ContainsKey(DeviceIdLabel) ? 1000 : 0) + Labels.Count;

    public bool Matches(string key, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (name, value) in Labels)
        {
            if (name == DeviceIdLabel)
            {
                if (key != value)
                {
                    return false;
                }
            }
            else if (!labels.TryGetValue(name, out var actual) || actual != value)
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => string.Join(",", Labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
}

public enum WindowKind
{
    Tumbling,
    Hopping,
    Sliding,
    Session,
}

/// <summary>
/// A window shape. Tumbling: <see cref="Size"/>. Hopping: <see cref="Size"/> every <see cref="Hop"/>.
/// Sliding: the last <see cref="Size"/> ending at each event. Session: closes after <see cref="Gap"/> without
/// events or at <see cref="MaxDuration"/>.
/// </summary>
public sealed record WindowSpec(WindowKind Kind, TimeSpan Size, TimeSpan Hop = default, TimeSpan Gap = default, TimeSpan MaxDuration = default)
{
    public static WindowSpec Tumbling(TimeSpan size) => new(WindowKind.Tumbling, size, size);

    public static WindowSpec Hopping(TimeSpan size, TimeSpan hop) => new(WindowKind.Hopping, size, hop);

    public static WindowSpec Sliding(TimeSpan size) => new(WindowKind.Sliding, size);

    public static WindowSpec Session(TimeSpan gap, TimeSpan maxDuration) => new(WindowKind.Session, TimeSpan.Zero, default, gap, maxDuration);
}

public enum AggregateKind
{
    Count,
    Sum,
    Min,
    Max,
    Avg,
    Last,
    StdDev,
    RateOfChange,
    Percentile,
}

/// <summary>An aggregate; <see cref="Percentile"/> is in (0, 100) for <see cref="AggregateKind.Percentile"/> (written <c>p95</c>).</summary>
public readonly record struct AggregateSpec(AggregateKind Kind, double Percentile = 0)
{
    public override string ToString() => Kind == AggregateKind.Percentile
        ? "p" + Percentile.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : Kind switch
        {
            AggregateKind.StdDev => "stddev",
            AggregateKind.RateOfChange => "rateOfChange",
            _ => Kind.ToString().ToLowerInvariant(),
        };
}

/// <summary>Detector settings; each kind is its own record.</summary>
public abstract record DetectorSpec
{
    public abstract string Kind { get; }

    /// <summary>The settings as the rule set's version hashes them; kinds without their own text hash their record content.</summary>
    internal virtual string VersionText => Kind + ":" + this;
}

