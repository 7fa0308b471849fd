namespace Pipeline.Core.Time;

/// <summary>
/// What to do with an event older than the key's watermark − allowed lateness. Named objects, chosen per rule
/// set at ingress (like Trill's DisorderPolicy), so the choice is visible in code and in state.
/// </summary>
public abstract class LatePolicy
{
    private protected LatePolicy(string name) => Name = name;

    /// <summary>Discard the event and count it.</summary>
    public static LatePolicy Drop { get; } = new DropPolicy();

    /// <summary>Treat the event as if it happened at the watermark (its values count, its timestamp does not).</summary>
    public static LatePolicy Adjust { get; } = new AdjustPolicy();

    /// <summary>Keep the event in the dead-letter store with the reason <c>Late</c>.</summary>
    public static LatePolicy DeadLetter { get; } = new DeadLetterPolicy();

    public static IReadOnlyList<LatePolicy> All { get; } = [Drop, Adjust, DeadLetter];

    /// <summary>The name used in rule files: <c>drop</c>, <c>adjust</c> or <c>deadLetter</c>.</summary>
    public string Name { get; }

    public static bool TryParse(string? name, out LatePolicy policy)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name, name, StringComparison.OrdinalIgnoreCase)
                || (candidate == DeadLetter && string.Equals(name, "dead-letter", StringComparison.OrdinalIgnoreCase)))
            {
                policy = candidate;
                return true;
            }
        }

        policy = Drop;
        return false;
    }

    public override string ToString() => Name;

    private sealed class DropPolicy() : LatePolicy("drop");

    private sealed class AdjustPolicy() : LatePolicy("adjust");

    private sealed class DeadLetterPolicy() : LatePolicy("deadLetter");
}
