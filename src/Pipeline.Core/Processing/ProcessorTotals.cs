namespace Pipeline.Core.Processing;

/// <summary>Running totals of a processor (thread-safe reads; written under the processor's gate).</summary>
public sealed class ProcessorTotals
{
    private long _received;
    private long _applied;
    private long _malformed;
    private long _duplicates;
    private long _late;
    private long _quarantined;
    private long _published;
    private long _fired;
    private long _resolved;
    private long _escalated;
    private long _deescalated;
    private long _amended;
    private long _publishFailures;
    private long _lateDeadLettered;

    public long Received => Interlocked.Read(ref _received);
    public long Applied => Interlocked.Read(ref _applied);
    public long Malformed => Interlocked.Read(ref _malformed);
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Late events dropped, dead-lettered or adjusted (those within allowed lateness are in <see cref="Applied"/>).</summary>
    public long Late => Interlocked.Read(ref _late);
    public long Quarantined => Interlocked.Read(ref _quarantined);
    public long Published => Interlocked.Read(ref _published);
    public long Fired => Interlocked.Read(ref _fired);
    public long Resolved => Interlocked.Read(ref _resolved);
    public long Escalated => Interlocked.Read(ref _escalated);
    public long Deescalated => Interlocked.Read(ref _deescalated);
    public long Amended => Interlocked.Read(ref _amended);
    public long PublishFailures => Interlocked.Read(ref _publishFailures);

    /// <summary>Malformed, late dead letters and quarantined events.</summary>
    public long DeadLettered => Malformed + Quarantined + Interlocked.Read(ref _lateDeadLettered);

    internal void Add(BatchResult r)
    {
        Interlocked.Add(ref _received, r.Received);
        Interlocked.Add(ref _applied, r.Applied);
        Interlocked.Add(ref _malformed, r.Malformed);
        Interlocked.Add(ref _duplicates, r.Duplicates);
        Interlocked.Add(ref _late, r.LateDropped + r.LateDeadLettered + r.LateAdjusted);
        Interlocked.Add(ref _lateDeadLettered, r.LateDeadLettered);
        Interlocked.Add(ref _quarantined, r.Quarantined);
        Interlocked.Add(ref _published, r.Published.Count);
        if (r.PublishError is not null)
        {
            Interlocked.Increment(ref _publishFailures);
        }

        foreach (var a in r.Published)
        {
            switch (a.Kind)
            {
                case Alerts.AlertTransitionKind.Fired: Interlocked.Increment(ref _fired); break;
                case Alerts.AlertTransitionKind.Resolved: Interlocked.Increment(ref _resolved); break;
                case Alerts.AlertTransitionKind.Escalated: Interlocked.Increment(ref _escalated); break;
                case Alerts.AlertTransitionKind.Deescalated: Interlocked.Increment(ref _deescalated); break;
                default: Interlocked.Increment(ref _amended); break;
            }
        }
    }
}
