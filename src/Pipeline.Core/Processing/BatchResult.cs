using Pipeline.Core.Alerts;

namespace Pipeline.Core.Processing;

/// <summary>What one batch (or Sweep) did. Every input event is counted in exactly one of the disposition counters.</summary>
public sealed record BatchResult
{
    public int Received { get; init; }

    /// <summary>Events accepted into per-key state (released to rules now or buffered for reordering).</summary>
    public int Applied { get; init; }

    /// <summary>Malformed bodies sent to the dead-letter store.</summary>
    public int Malformed { get; init; }

    /// <summary>Redelivered events (source position already applied): no-ops.</summary>
    public int Duplicates { get; init; }

    /// <summary>Late events dropped by the <c>Drop</c> policy.</summary>
    public int LateDropped { get; init; }

    /// <summary>Late events kept in the dead-letter store by the <c>DeadLetter</c> policy.</summary>
    public int LateDeadLettered { get; init; }

    /// <summary>Late events treated as at the watermark by the <c>Adjust</c> policy (included in <see cref="Applied"/>).</summary>
    public int LateAdjusted { get; init; }

    /// <summary>Late events within allowed lateness that re-evaluated retained windows (included in <see cref="Applied"/>).</summary>
    public int LateAccepted { get; init; }

    /// <summary>Events too far in the future, sent to the dead-letter store.</summary>
    public int Quarantined { get; init; }

    public int Keys { get; init; }
    public int StateWrites { get; init; }
    public int Conflicts { get; init; }

    /// <summary>Alerts handed to the sink successfully in this call, in order.</summary>
    public IReadOnlyList<AlertEvent> Published { get; init; } = [];

    /// <summary>Alerts still waiting in outboxes after this call (publish failed or not yet attempted).</summary>
    public int AlertsInOutbox { get; init; }

    /// <summary>The sink's error when publishing failed; the alerts stay in their outboxes.</summary>
    public string? PublishError { get; init; }

    public int DeadLettered => Malformed + LateDeadLettered + Quarantined;
}
