using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;

namespace Pipeline.Core.Processing;

/// <summary>Totals of a processor or a whole run: what happened to the events, and the alerts delivered.</summary>
public sealed record RunTotals
{
    public static RunTotals Zero { get; } = new();

    public Dispositions Events { get; init; }

    public long Fired { get; init; }
    public long Resolved { get; init; }
    public long Escalated { get; init; }
    public long Deescalated { get; init; }
    public long Amended { get; init; }

    /// <summary>Calls whose publishing failed (the alerts stayed in their outboxes).</summary>
    public long PublishFailures { get; init; }

    /// <summary>Undelivered alerts moved from full outboxes to the dead-letter store.</summary>
    public long OutboxDeadLettered { get; init; }

    public long Published => Fired + Resolved + Escalated + Deescalated + Amended;

    /// <summary>The totals of one batch or Sweep.</summary>
    public static RunTotals Of(BatchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        long fired = 0, resolved = 0, escalated = 0, deescalated = 0, amended = 0;
        foreach (var a in result.Published)
        {
            switch (a.Kind)
            {
                case AlertTransitionKind.Fired: fired++; break;
                case AlertTransitionKind.Resolved: resolved++; break;
                case AlertTransitionKind.Escalated: escalated++; break;
                case AlertTransitionKind.Deescalated: deescalated++; break;
                default: amended++; break;
            }
        }

        return new RunTotals
        {
            Events = result.Dispositions,
            Fired = fired,
            Resolved = resolved,
            Escalated = escalated,
            Deescalated = deescalated,
            Amended = amended,
            PublishFailures = result.PublishError is null ? 0 : 1,
            OutboxDeadLettered = result.OutboxDeadLettered,
        };
    }

    public static RunTotals operator +(RunTotals left, RunTotals right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new RunTotals
        {
            Events = left.Events + right.Events,
            Fired = left.Fired + right.Fired,
            Resolved = left.Resolved + right.Resolved,
            Escalated = left.Escalated + right.Escalated,
            Deescalated = left.Deescalated + right.Deescalated,
            Amended = left.Amended + right.Amended,
            PublishFailures = left.PublishFailures + right.PublishFailures,
            OutboxDeadLettered = left.OutboxDeadLettered + right.OutboxDeadLettered,
        };
    }

    public static RunTotals Add(RunTotals left, RunTotals right) => left + right;
}
