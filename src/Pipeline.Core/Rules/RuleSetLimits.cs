using System.Globalization;

namespace Pipeline.Core.Rules;

/// <summary>
/// Bounds on the work one rule set can cause. Every rule runs for every event of its keys, and an event falls into
/// <c>size / hop</c> hopping windows, so a huge rule file or a tiny hop multiplies the cost of each event; without a
/// bound a 1 MB file of 25,000 rules made one 512-event batch take seconds. docs/limits.md lists these values.
/// </summary>
public static class RuleSetLimits
{
    /// <summary>Rules in one rule set.</summary>
    public const int MaxRules = 1_000;

    /// <summary>Windows one event belongs to: <c>size / hop</c> of a hopping window.</summary>
    public const int MaxWindowsPerEvent = 1_000;

    /// <summary>The longest window size, session duration, <c>for</c> or <c>keepFiringFor</c>: state is kept that long.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(31);

    /// <summary>Every limit the rule set exceeds, naming the rule and field; empty when it is within all of them.</summary>
    public static IReadOnlyList<RuleError> Check(RuleSet ruleSet)
    {
        ArgumentNullException.ThrowIfNull(ruleSet);
        var errors = new List<RuleError>();
        if (ruleSet.Rules.Count > MaxRules)
        {
            errors.Add(new RuleError(null, "rules", Invariant(
                $"has {ruleSet.Rules.Count} rules; a rule set may have at most {MaxRules} (each rule runs for every event, so split the file by device group or merge rules that differ only in threshold)"),
                null));

            // One error is enough: the rules themselves are not the problem.
            return errors;
        }

        foreach (var rule in ruleSet.Rules)
        {
            if (rule.Window is { } window)
            {
                CheckWindow(rule.Id, window, errors);
            }

            CheckDuration(rule.Id, "for", rule.For, errors);
            CheckDuration(rule.Id, "keepFiringFor", rule.KeepFiringFor, errors);
        }

        return errors;
    }

    private static void CheckWindow(string ruleId, WindowSpec window, List<RuleError> errors)
    {
        switch (window.Kind)
        {
            case WindowKind.Session:
                CheckDuration(ruleId, "window.maxDuration", window.MaxDuration, errors);
                return;
            case WindowKind.Hopping when window.Hop > TimeSpan.Zero:
                CheckDuration(ruleId, "window.size", window.Size, errors);
                var perEvent = window.Size.Ticks / window.Hop.Ticks;
                if (perEvent > MaxWindowsPerEvent)
                {
                    errors.Add(new RuleError(ruleId, "window.hop", Invariant(
                        $"puts every event in {perEvent} windows (size {DurationText.Format(window.Size)} / hop {DurationText.Format(window.Hop)}); at most {MaxWindowsPerEvent} are allowed, so use a hop of at least {DurationText.Format(MinHop(window.Size))}"),
                        null));
                }

                return;
            default:
                CheckDuration(ruleId, "window.size", window.Size, errors);
                return;
        }
    }

    private static void CheckDuration(string ruleId, string field, TimeSpan value, List<RuleError> errors)
    {
        if (value > MaxDuration)
        {
            errors.Add(new RuleError(ruleId, field, Invariant(
                $"is {DurationText.Format(value)}; at most {DurationText.Format(MaxDuration)} is allowed (state is kept that long for every key)"), null));
        }
    }

    // The smallest hop that keeps size / hop within the limit, rounded up to a whole second.
    private static TimeSpan MinHop(TimeSpan size) =>
        TimeSpan.FromSeconds(Math.Ceiling(size.TotalSeconds / MaxWindowsPerEvent));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
