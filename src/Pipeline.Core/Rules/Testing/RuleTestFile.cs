using Pipeline.Core.Alerts;

namespace Pipeline.Core.Rules.Testing;

/// <summary>A rule test file: the rule file it tests (relative to the test file) and its test cases.</summary>
public sealed record RuleTestFile(string RulesPath, int RulesLine, IReadOnlyList<RuleTestCase> Tests);

/// <summary>
/// One test: devices sending series from <see cref="Start"/>, one value every <see cref="Interval"/>; processing
/// time runs to <see cref="Start"/> + <see cref="Until"/>; the transitions of the rules in <see cref="Only"/> (all
/// rules when empty) must equal <see cref="Expect"/>, and the states in <see cref="ExpectState"/> must hold.
/// </summary>
public sealed record RuleTestCase
{
    public required string Name { get; init; }
    public required int Line { get; init; }
    public DateTimeOffset Start { get; init; } = DefaultStart;
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan? Until { get; init; }
    public IReadOnlyList<string> Only { get; init; } = [];
    public required IReadOnlyList<TestDevice> Devices { get; init; }
    public IReadOnlyList<ExpectedTransition> Expect { get; init; } = [];
    public IReadOnlyList<ExpectedState> ExpectState { get; init; } = [];

    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
}

/// <summary>A device of a test: its labels, its series (metric → values per interval) and explicit events.</summary>
public sealed record TestDevice(string Id, IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, IReadOnlyList<double?>> Series, IReadOnlyList<TestEvent> Events);

/// <summary>An explicit event at an offset from the test's start.</summary>
public sealed record TestEvent(TimeSpan At, IReadOnlyDictionary<string, double> Metrics);

/// <summary>An expected transition; a null severity or value is not compared.</summary>
public sealed record ExpectedTransition(AlertTransitionKind Type, string Rule, string Device, TimeSpan At, Severity? Severity, double? Value, int Line);

/// <summary>Whether (rule, device) fires at an offset, after every transition at or before it.</summary>
public sealed record ExpectedState(TimeSpan At, string Rule, string Device, bool Firing, Severity? Severity, int Line);

/// <summary>A problem in a test file: <c>file:line: message</c>.</summary>
public sealed record RuleTestError(string File, int Line, string Message)
{
    public override string ToString() => $"{File}:{Line.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {Message}";
}
