namespace Pipeline.Core.Rules;

/// <summary>"Did you mean" hints for misspelled field names, kinds and rule ids.</summary>
internal static class NameSuggestion
{
    /// <summary>The closest candidate within a small edit distance (a transposition counts as one edit), or null.</summary>
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        var limit = name.Length <= 3 ? 1 : 2;
        foreach (var candidate in candidates)
        {
            var distance = string.Equals(name, candidate, StringComparison.OrdinalIgnoreCase)
                ? 0
                : Distance(name.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance <= limit && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>" (did you mean 'x'?)" or, without a close match, " (expected one of: a, b, c)".</summary>
    public static string Hint(string name, IReadOnlyCollection<string> candidates)
    {
        var closest = Closest(name, candidates);
        return closest is not null ? $" (did you mean '{closest}'?)" : $" (expected one of: {string.Join(", ", candidates)})";
    }

    // Optimal string alignment distance.
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
