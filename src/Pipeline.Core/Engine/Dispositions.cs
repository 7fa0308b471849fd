using System.Globalization;

namespace Pipeline.Core.Engine;

/// <summary>
/// What happened to events: every event received ends in exactly one of applied, duplicate, late dropped, late
/// dead-lettered, malformed or quarantined (<see cref="Balances"/>). The same value counts a key's apply, a batch and a
/// whole run; adding two gives the counts of both.
/// </summary>
public record struct Dispositions
{
    /// <summary>Events offered, malformed bodies included.</summary>
    public long Received { get; set; }

    /// <summary>Events accepted into per-key state (released to rules now or buffered for reordering).</summary>
    public long Applied { get; set; }

    /// <summary>Redelivered events (source position already applied): no-ops.</summary>
    public long Duplicates { get; set; }

    /// <summary>Late events dropped by the <c>Drop</c> policy.</summary>
    public long LateDropped { get; set; }

    /// <summary>Late events kept in the dead-letter store by the <c>DeadLetter</c> policy.</summary>
    public long LateDeadLettered { get; set; }

    /// <summary>Late events treated as at the watermark by the <c>Adjust</c> policy (included in <see cref="Applied"/>).</summary>
    public long LateAdjusted { get; set; }

    /// <summary>Late events within allowed lateness that re-evaluated retained windows (included in <see cref="Applied"/>).</summary>
    public long LateAccepted { get; set; }

    /// <summary>Bodies that are not telemetry, sent to the dead-letter store.</summary>
    public long Malformed { get; set; }

    /// <summary>Events too far in the future, sent to the dead-letter store.</summary>
    public long Quarantined { get; set; }

    /// <summary>Late events dropped, dead-lettered or adjusted (those within allowed lateness are only in <see cref="Applied"/>).</summary>
    public readonly long Late => LateDropped + LateDeadLettered + LateAdjusted;

    /// <summary>Events kept in the dead-letter store: malformed, late under the DeadLetter policy, quarantined.</summary>
    public readonly long DeadLettered => Malformed + LateDeadLettered + Quarantined;

    /// <summary>Every event received is accounted for exactly once.</summary>
    public readonly bool Balances => Received == Applied + Duplicates + LateDropped + LateDeadLettered + Malformed + Quarantined;

    public static Dispositions operator +(Dispositions left, Dispositions right) => new()
    {
        Received = left.Received + right.Received,
        Applied = left.Applied + right.Applied,
        Duplicates = left.Duplicates + right.Duplicates,
        LateDropped = left.LateDropped + right.LateDropped,
        LateDeadLettered = left.LateDeadLettered + right.LateDeadLettered,
        LateAdjusted = left.LateAdjusted + right.LateAdjusted,
        LateAccepted = left.LateAccepted + right.LateAccepted,
        Malformed = left.Malformed + right.Malformed,
        Quarantined = left.Quarantined + right.Quarantined,
    };

    public static Dispositions Add(Dispositions left, Dispositions right) => left + right;

    /// <summary>The accounting identity with this value's numbers, e.g. <c>in 8610 = applied 8600 + duplicate 0 + …</c>.</summary>
    public readonly string Identity() => string.Create(CultureInfo.InvariantCulture,
        $"in {Received} = applied {Applied} + duplicate {Duplicates} + late {LateDropped} + dead-lettered {Malformed + LateDeadLettered} + quarantined {Quarantined}");
}
