using System.Globalization;
using Pipeline.Core.Alerts;

namespace Pipeline.Core.Rules.Diff;

/// <summary>What happened to an episode between the old and the new rule set.</summary>
public enum EpisodeChange
{
    Added,
    Removed,
    Changed,
    Unchanged,
}

/// <summary>One paired or unpaired episode; <see cref="Fields"/> names what differs in a changed one (start, end, severity, value).</summary>
public sealed record EpisodeDifference(string Rule, string Device, EpisodeChange Change, Episode? Old, Episode? New, IReadOnlyList<string> Fields);

/// <summary>Counts of a diff; <see cref="HasDifferences"/> decides the CI exit code.</summary>
public sealed record EpisodeDiffSummary(int Added, int Removed, int Changed, int Unchanged)
{
    public bool HasDifferences => Added + Removed + Changed > 0;
}

/// <summary>
/// Compares the episodes of two runs per (rule, device). Episodes of the two runs that overlap in time are the same
/// episode, changed when start, end, severity or value differ; one without a partner was added or removed.
/// </summary>
public static class EpisodeDiff
{
    /// <summary>Values closer than this (relative) are equal: two rule sets that compute the same mean in another order may differ in the last bits.</summary>
    private const double ValueTolerance = 1e-9;

    public static IReadOnlyList<EpisodeDifference> Compare(IReadOnlyList<Episode> before, IReadOnlyList<Episode> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var olds = before.ToLookup(e => (e.Rule, e.Device));
        var news = after.ToLookup(e => (e.Rule, e.Device));
        var keys = olds.Select(g => g.Key).Union(news.Select(g => g.Key))
            .OrderBy(k => k.Rule, StringComparer.Ordinal).ThenBy(k => k.Device, StringComparer.Ordinal);
        var result = new List<EpisodeDifference>();
        foreach (var key in keys)
        {
            var left = olds[key].OrderBy(e => e.Start).ToList();
            var right = news[key].OrderBy(e => e.Start).ToList();
            var paired = new bool[right.Count];
            var rows = new List<(DateTimeOffset At, EpisodeDifference Row)>();
            foreach (var o in left)
            {
                // The earliest unpaired new episode sharing time with the old one is its counterpart.
                var j = -1;
                for (var k = 0; k < right.Count && j < 0; k++)
                {
                    j = !paired[k] && o.Overlaps(right[k]) ? k : -1;
                }

                if (j < 0)
                {
                    rows.Add((o.Start, new EpisodeDifference(key.Rule, key.Device, EpisodeChange.Removed, o, null, [])));
                    continue;
                }

                paired[j] = true;
                var fields = Differences(o, right[j]);
                rows.Add((Min(o.Start, right[j].Start), new EpisodeDifference(key.Rule, key.Device,
                    fields.Count == 0 ? EpisodeChange.Unchanged : EpisodeChange.Changed, o, right[j], fields)));
            }

            for (var j = 0; j < right.Count; j++)
            {
                if (!paired[j])
                {
                    rows.Add((right[j].Start, new EpisodeDifference(key.Rule, key.Device, EpisodeChange.Added, null, right[j], [])));
                }
            }

            result.AddRange(rows.OrderBy(r => r.At).Select(r => r.Row));
        }

        return result;
    }

    public static EpisodeDiffSummary Summarize(IReadOnlyList<EpisodeDifference> differences)
    {
        ArgumentNullException.ThrowIfNull(differences);
        return new EpisodeDiffSummary(
            differences.Count(d => d.Change == EpisodeChange.Added),
            differences.Count(d => d.Change == EpisodeChange.Removed),
            differences.Count(d => d.Change == EpisodeChange.Changed),
            differences.Count(d => d.Change == EpisodeChange.Unchanged));
    }

    /// <summary>For example <c>changed hot d1: start 00:00:10 -> 00:00:20, severity warning -> critical</c>.</summary>
    public static string Line(EpisodeDifference difference)
    {
        ArgumentNullException.ThrowIfNull(difference);
        var head = $"{Name(difference.Change)} {difference.Rule} {difference.Device}";
        return difference.Change switch
        {
            EpisodeChange.Added => $"+ {head}: {Describe(difference.New!)}",
            EpisodeChange.Removed => $"- {head}: {Describe(difference.Old!)}",
            EpisodeChange.Changed => $"~ {head}: " + string.Join(", ", difference.Fields.Select(f => $"{f} {Field(difference.Old!, f)} -> {Field(difference.New!, f)}")),
            _ => $"  {head}: {Describe(difference.New!)}",
        };
    }

    /// <summary>For example <c>00:00:10 to 00:00:30 warning value=85</c>.</summary>
    public static string Describe(Episode episode)
    {
        ArgumentNullException.ThrowIfNull(episode);
        return $"{Field(episode, "start")} to {Field(episode, "end")} {Field(episode, "severity")} value={Field(episode, "value")}";
    }

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture);

    public static string Name<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static List<string> Differences(Episode a, Episode b)
    {
        var fields = new List<string>(4);
        if (a.Start != b.Start)
        {
            fields.Add("start");
        }

        if (a.End != b.End)
        {
            fields.Add("end");
        }

        if (a.Severity != b.Severity)
        {
            fields.Add("severity");
        }

        if (!SameValue(a.Value, b.Value))
        {
            fields.Add("value");
        }

        return fields;
    }

    private static bool SameValue(double? a, double? b) =>
        a is null ? b is null : b is { } y && Math.Abs(a.Value - y) <= ValueTolerance * Math.Max(1, Math.Abs(y));

    private static string Field(Episode e, string field) => field switch
    {
        "start" => Time(e.Start),
        "end" => e.End is { } end ? Time(end) : "(firing)",
        "severity" => Name(e.Severity),
        _ => e.Value is { } v ? v.ToString("0.######", CultureInfo.InvariantCulture) : "none",
    };

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
