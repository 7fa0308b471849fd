using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;

namespace Pipeline.Core.Processing;

/// <summary>What one batch (or Sweep) did. Every input event is counted in exactly one disposition.</summary>
public sealed record BatchResult
{
    public Dispositions Dispositions { get; init; }

    public int Keys { get; init; }
    public int StateWrites { get; init; }
    public int Conflicts { get; init; }

    /// <summary>Alerts handed to the sink successfully in this call, in order.</summary>
    public IReadOnlyList<AlertEvent> Published { get; init; } = [];

    /// <summary>Alerts still waiting in outboxes after this call (publish failed or not yet attempted).</summary>
    public int AlertsInOutbox { get; init; }

    /// <summary>The sink's error when publishing failed; the alerts stay in their outboxes.</summary>
    public string? PublishError { get; init; }

    /// <summary>Undelivered alerts moved from full outboxes to the dead-letter store in this call.</summary>
    public int OutboxDeadLettered { get; init; }
}
