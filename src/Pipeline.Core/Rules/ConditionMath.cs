namespace Pipeline.Core.Rules;

/// <summary>Set reasoning on conditions (as half-lines of values), used to validate hysteresis and severity ladders.</summary>
internal static class ConditionMath
{
    public static bool IsOrdering(Condition c) => c.Operator is ComparisonOperator.GreaterThan or ComparisonOperator.GreaterOrEqual
        or ComparisonOperator.LessThan or ComparisonOperator.LessOrEqual;

    /// <summary>True for &gt; and &gt;= (the condition holds for large values).</summary>
    public static bool IsUpward(Condition c) => c.Operator is ComparisonOperator.GreaterThan or ComparisonOperator.GreaterOrEqual;

    private static bool IsInclusive(Condition c) => c.Operator is ComparisonOperator.GreaterOrEqual or ComparisonOperator.LessOrEqual;

    /// <summary>Whether some value meets both conditions (only ordering conditions are compared exactly).</summary>
    public static bool Overlaps(Condition a, Condition b)
    {
        if (!IsOrdering(a) || !IsOrdering(b) || IsUpward(a) == IsUpward(b))
        {
            // Two half-lines in the same direction always share values; equality tests are treated as overlapping.
            return true;
        }

        var (up, down) = IsUpward(a) ? (a, b) : (b, a);
        return up.Threshold < down.Threshold || (up.Threshold == down.Threshold && IsInclusive(up) && IsInclusive(down));
    }

    /// <summary>Whether every value that meets <paramref name="a"/> also meets <paramref name="b"/>.</summary>
    public static bool Implies(Condition a, Condition b)
    {
        if (a.Operator == ComparisonOperator.Equal)
        {
            return b.IsMet(a.Threshold);
        }

        if (!IsOrdering(a) || !IsOrdering(b) || IsUpward(a) != IsUpward(b))
        {
            return false;
        }

        if (a.Threshold == b.Threshold)
        {
            return !IsInclusive(a) || IsInclusive(b);
        }

        return IsUpward(a) ? a.Threshold > b.Threshold : a.Threshold < b.Threshold;
    }
}
