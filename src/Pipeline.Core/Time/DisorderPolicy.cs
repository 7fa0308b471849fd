namespace Pipeline.Core.Time;

/// <summary>
/// How a key's event time tolerates disorder, chosen once per rule set at ingress (like Trill's
/// <c>DisorderPolicy</c>): events up to <see cref="OutOfOrderTolerance"/> behind the newest event time are
/// reordered; events behind the watermark by at most <see cref="AllowedLateness"/> amend the windows they fall
/// in; older ones meet the <see cref="Late"/> policy.
/// </summary>
public sealed record DisorderPolicy
{
    public DisorderPolicy(TimeSpan outOfOrderTolerance, TimeSpan allowedLateness, LatePolicy late)
    {
        OutOfOrderTolerance = outOfOrderTolerance;
        AllowedLateness = allowedLateness;
        Late = late;
    }

    /// <summary>5 s of reordering, 1 m of lateness, later events dropped.</summary>
    public static DisorderPolicy Default { get; } = new(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), LatePolicy.Drop);

    /// <summary>The policies' names in rule files.</summary>
    public static IReadOnlyList<string> LatePolicyNames { get; } = ["drop", "adjust", "deadLetter"];

    /// <summary>How far behind the newest event time the watermark trails.</summary>
    public TimeSpan OutOfOrderTolerance
    {
        get;
        init => field = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(OutOfOrderTolerance), value, "The out-of-order tolerance must not be negative.");
    }

    /// <summary>How far behind the watermark an event may still amend windows.</summary>
    public TimeSpan AllowedLateness
    {
        get;
        init => field = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(AllowedLateness), value, "The allowed lateness must not be negative.");
    }

    /// <summary>What happens to an event later than that.</summary>
    public LatePolicy Late
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Late), value, "Unknown late policy.");
    }

    /// <summary>The rule-file name of a late policy: <c>drop</c>, <c>adjust</c> or <c>deadLetter</c>.</summary>
    public static string NameOf(LatePolicy policy) => policy switch
    {
        LatePolicy.Drop => "drop",
        LatePolicy.Adjust => "adjust",
        LatePolicy.DeadLetter => "deadLetter",
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "Unknown late policy."),
    };

    /// <summary>Parses a rule-file name (case-insensitive; <c>dead-letter</c> is accepted too).</summary>
    public static bool TryParseLatePolicy(string? name, out LatePolicy policy)
    {
        foreach (var candidate in Enum.GetValues<LatePolicy>())
        {
            if (string.Equals(NameOf(candidate), name, StringComparison.OrdinalIgnoreCase))
            {
                policy = candidate;
                return true;
            }
        }

        policy = LatePolicy.Drop;
        if (string.Equals(name, "dead-letter", StringComparison.OrdinalIgnoreCase))
        {
            policy = LatePolicy.DeadLetter;
            return true;
        }

        return false;
    }

    public override string ToString() => $"outOfOrderTolerance {OutOfOrderTolerance}, allowedLateness {AllowedLateness}, latePolicy {NameOf(Late)}";
}
