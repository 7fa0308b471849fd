namespace Pipeline.Core.Time;

/// <summary>What happens to an event older than the key's watermark minus the allowed lateness.</summary>
public enum LatePolicy
{
    /// <summary>Discard the event and count it.</summary>
    Drop,

    /// <summary>Treat the event as if it happened at the watermark (its values count, its timestamp does not).</summary>
    Adjust,

    /// <summary>Keep the event in the dead-letter store with the reason <c>Late</c>.</summary>
    DeadLetter,
}
