using Pipeline.Core.Alerts;

namespace Pipeline.Core.Rules.Diff;

/// <summary>
/// One alert episode of a (rule, device): from its <c>Fired</c> to its <c>Resolved</c> (<see cref="End"/> null while
/// still firing at the end of the recording). <see cref="Severity"/> is the highest it reached; <see cref="Value"/> the
/// value that fired it.
/// </summary>
public sealed record Episode(string Rule, string Device, DateTimeOffset Start, DateTimeOffset? End, Severity Severity, double? Value)
{
    /// <summary>The episodes a stream of transitions describes, in order of start per (rule, device).</summary>
    public static IReadOnlyList<Episode> From(IEnumerable<AlertEvent> transitions)
    {
        ArgumentNullException.ThrowIfNull(transitions);
        var open = new Dictionary<(string Rule, string Device), Episode>();
        var episodes = new List<Episode>();
        foreach (var t in transitions)
        {
            var key = (t.Data.RuleId, t.Data.Key);
            switch (t.Kind)
            {
                case AlertTransitionKind.Fired:
                    if (open.Remove(key, out var unfinished))
                    {
                        // A new Fired without a Resolved would be an engine bug; keep the old one rather than lose it.
                        episodes.Add(unfinished);
                    }

                    open[key] = new Episode(key.RuleId, key.Key, t.Time, null, t.Data.Severity, t.Data.Value);
                    break;
                case AlertTransitionKind.Resolved when open.Remove(key, out var ending):
                    episodes.Add(ending with { End = t.Time });
                    break;
                default:
                    if (open.TryGetValue(key, out var current) && t.Data.Severity > current.Severity)
                    {
                        open[key] = current with { Severity = t.Data.Severity };
                    }

                    break;
            }
        }

        episodes.AddRange(open.Values);
        return [.. episodes.OrderBy(e => e.Rule, StringComparer.Ordinal).ThenBy(e => e.Device, StringComparer.Ordinal).ThenBy(e => e.Start)];
    }

    /// <summary>Whether the two episodes share some time (an unfinished one lasts to the end of the recording).</summary>
    public bool Overlaps(Episode other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Start < (other.End ?? DateTimeOffset.MaxValue) && other.Start < (End ?? DateTimeOffset.MaxValue)
            || Start == other.Start;
    }
}
