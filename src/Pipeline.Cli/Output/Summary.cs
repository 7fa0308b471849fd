using Pipeline.Core.Processing;

namespace Pipeline.Cli;

/// <summary>The end-of-run report: events, rate, alerts by type, late, duplicates, dead letters.</summary>
internal static class Summary
{
    public static void Write(TextWriter output, RunTotals t, TimeSpan elapsed, long pendingAlerts, bool stateIsDurable, string? deadLetterPath)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        output.WriteLine();
        output.WriteLine("Summary");
        var e = t.Events;
        output.WriteLine(Row("events", Text.Invariant($"{e.Received:N0} in {elapsed.TotalSeconds:0.0} s ({e.Received / seconds:N0} events/s); {e.Applied:N0} applied")));
        output.WriteLine(Row("accounting", e.Identity()));
        output.WriteLine(Row("alerts", Text.Invariant($"{t.Published:N0} delivered: {t.Fired:N0} fired, {t.Resolved:N0} resolved, {t.Escalated:N0} escalated, {t.Deescalated:N0} de-escalated, {t.Amended:N0} amended")));
        output.WriteLine(Row("late", Text.Invariant($"{e.Late:N0}")));
        output.WriteLine(Row("duplicates", Text.Invariant($"{e.Duplicates:N0}")));
        var where = deadLetterPath is null ? string.Empty : $" (in {deadLetterPath})";
        output.WriteLine(Row("dead letters", Text.Invariant($"{e.DeadLettered:N0}: {e.Malformed:N0} malformed, {e.Quarantined:N0} future-dated, {e.LateDeadLettered:N0} late") + where));
        if (pendingAlerts > 0)
        {
            output.WriteLine(Row("undelivered", Text.Invariant($"{pendingAlerts:N0} alert(s) still in outboxes after the final retry") +
                (stateIsDurable ? "; they are in the state store and go out with the next run" : "; the state is in memory, so they are lost now")));
        }
    }

    /// <summary>The last line of a finite run: where its alerts went.</summary>
    public static string Written(int alerts, string path) => Text.Invariant($"{alerts} alert CloudEvents written to {path}.");

    private static string Row(string name, string value) => "  " + name.PadRight(14) + value;
}
