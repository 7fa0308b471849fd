using System.Globalization;

namespace Pipeline.Core.Rules.Kinds;

/// <summary>
/// The fields of one rule's <c>detector</c> mapping, read with defaults and checks shared by the kinds. Each error is
/// reported with the rule id, the field (<c>detector.NAME</c>) and its line, and clears <see cref="Ok"/>.
/// </summary>
internal sealed class DetectorFields(RuleSetReader reader, string? ruleId, string kind, DocMap map, Dictionary<string, DocEntry> fields)
{
    /// <summary>Bounds the per-key history a detector keeps (8 bytes a value), so state stays small by construction.</summary>
    public const int MaxHistory = 4096;

    public const int DefaultWarmup = 30;

    public RuleSetReader Reader { get; } = reader;

    public string? RuleId { get; } = ruleId;

    /// <summary>False once any field was wrong.</summary>
    public bool Ok { get; set; } = true;

    public DocNode? Optional(string name) => RuleSetReader.Optional(fields, name);

    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    public double Number(string name, double fallback, Func<double, bool> isValid, string expected)
    {
        if (Optional(name) is not { } value)
        {
            return fallback;
        }

        var parsed = Reader.Number(value, RuleId, "detector." + name, isValid, expected);
        Ok &= parsed is not null;
        return parsed ?? fallback;
    }

    public int Whole(string name, int fallback, Func<int, bool> isValid, string expected)
    {
        if (Optional(name) is not { } value)
        {
            return fallback;
        }

        var parsed = Reader.WholeNumber(value, RuleId, "detector." + name, isValid, expected);
        Ok &= parsed is not null;
        return parsed ?? fallback;
    }

    public TimeSpan RequiredDuration(string name)
    {
        if (Optional(name) is { } value)
        {
            var parsed = Reader.Duration(value, RuleId, "detector." + name, true);
            Ok &= parsed is not null;
            return parsed ?? TimeSpan.Zero;
        }

        Reader.Error(RuleId, "detector." + name, $"is required for a {kind} detector", map.Line);
        Ok = false;
        return TimeSpan.Zero;
    }

    public double RequiredNumber(string name, Func<double, bool> isValid, string expected)
    {
        if (Optional(name) is null)
        {
            Reader.Error(RuleId, "detector." + name, $"is required for a {kind} detector ({expected})", map.Line);
            Ok = false;
            return 0;
        }

        return Number(name, 0, isValid, expected);
    }

    /// <summary>Values to learn from before judging; at most <paramref name="bound"/> (the history) when <paramref name="bounded"/>.</summary>
    public int Warmup(int bound, bool bounded) =>
        Whole("warmup", bounded ? Math.Min(DefaultWarmup, bound) : DefaultWarmup, v => v >= 0 && (!bounded || v <= bound),
            bounded ? $"a whole number from 0 to the history {Invariant(bound)}" : "a whole number ≥ 0");

    /// <summary>A whole-number history from <paramref name="min"/> to <see cref="MaxHistory"/>.</summary>
    public int History(int fallback, int min) =>
        Whole("history", fallback, v => v >= min && v <= MaxHistory, $"a whole number from {Invariant(min)} to {Invariant(MaxHistory)}");
}
