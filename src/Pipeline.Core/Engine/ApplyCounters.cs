namespace Pipeline.Core.Engine;

/// <summary>Per-call disposition counts, filled by the engine.</summary>
public sealed class ApplyCounters
{
    public int Applied { get; set; }
    public int Duplicates { get; set; }
    public int LateDropped { get; set; }
    public int LateDeadLettered { get; set; }
    public int LateAdjusted { get; set; }
    public int LateAccepted { get; set; }
    public int Quarantined { get; set; }
}
