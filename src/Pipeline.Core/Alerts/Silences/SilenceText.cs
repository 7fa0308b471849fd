namespace Pipeline.Core.Alerts.Silences;

/// <summary>A silence in one line of text, for people reading a list of them.</summary>
public static class SilenceText
{
    /// <summary>For example <c>rule=overheat device=chiller-01 from 2026-01-01T10:00:00Z to 2026-01-01T12:00:00Z (active) by ops: maintenance</c>.</summary>
    public static string Describe(Silence silence, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(silence);
        var matchers = new List<string>();
        if (silence.RuleId is not null)
        {
            matchers.Add("rule=" + silence.RuleId);
        }

        if (silence.Device is not null)
        {
            matchers.Add("device=" + silence.Device);
        }

        matchers.AddRange(silence.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
        var status = silence.IsActiveAt(now) ? "active" : silence.EndsAt <= now ? "expired" : "pending";
        var comment = silence.Comment.Length > 0 ? ": " + silence.Comment : string.Empty;
        return $"{string.Join(" ", matchers)} from {SilenceJson.Time(silence.StartsAt)} to {SilenceJson.Time(silence.EndsAt)} ({status}) by {silence.Author}{comment}";
    }
}
