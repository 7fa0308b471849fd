using System.Globalization;

namespace Pipeline.Core.Rules.Testing;

/// <summary>
/// The value list of a test series, in Prometheus promtool's expanding notation
/// (https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/): space-separated items, where
/// <c>a</c> is one value, <c>a+bxn</c> is the n+1 values <c>a, a+b, ..., a+n*b</c>, <c>a-bxn</c> counts down,
/// <c>axn</c> is <c>a+0xn</c>, <c>_</c> is one missing sample and <c>_xn</c> is n missing samples.
/// Missing samples come back as null: the device sent nothing at that step.
/// </summary>
public static class SeriesNotation
{
    /// <summary>Upper bound on one item's count, so a typo like <c>1x1000000000</c> is an error, not an out-of-memory.</summary>
    public const int MaxValues = 100_000;

    public static bool TryExpand(string text, out IReadOnlyList<double?> values, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<double?>();
        values = list;
        error = string.Empty;
        foreach (var item in text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!TryExpandItem(item, list, out error))
            {
                return false;
            }

            if (list.Count > MaxValues)
            {
                error = $"expands to more than {MaxValues.ToString(CultureInfo.InvariantCulture)} values";
                return false;
            }
        }

        if (list.Count == 0)
        {
            error = "has no values; write them like '1 2 3' or '0+10x6'";
            return false;
        }

        return true;
    }

    private static bool TryExpandItem(string item, List<double?> list, out string error)
    {
        error = string.Empty;
        var x = item.LastIndexOf('x');
        if (x < 0)
        {
            if (item == "_")
            {
                list.Add(null);
                return true;
            }

            if (TryNumber(item, out var single))
            {
                list.Add(single);
                return true;
            }

            error = $"'{item}' is not a number, '_' or an expansion like '0+10x6'";
            return false;
        }

        var head = item[..x];
        if (!int.TryParse(item[(x + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > MaxValues)
        {
            error = $"'{item}': the count after 'x' must be a whole number up to {MaxValues.ToString(CultureInfo.InvariantCulture)}";
            return false;
        }

        if (head == "_")
        {
            // promtool: '_xn' is n missing samples (not n+1).
            list.AddRange(Enumerable.Repeat<double?>(null, count));
            return true;
        }

        // The step's sign is the last '+' or '-' that is not the start value's own sign or an exponent's.
        var split = -1;
        for (var i = head.Length - 1; i > 0; i--)
        {
            if (head[i] is '+' or '-' && head[i - 1] is not ('e' or 'E'))
            {
                split = i;
                break;
            }
        }

        double start;
        double step;
        if (split < 0)
        {
            if (!TryNumber(head, out start))
            {
                error = $"'{item}' is not an expansion like '0+10x6', '5-1x4' or '3x2'";
                return false;
            }

            step = 0;
        }
        else if (!TryNumber(head[..split], out start) || !TryNumber(head[(split + 1)..], out step))
        {
            error = $"'{item}' is not an expansion like '0+10x6', '5-1x4' or '3x2'";
            return false;
        }
        else if (head[split] == '-')
        {
            step = -step;
        }

        for (var i = 0; i <= count; i++)
        {
            list.Add(start + (i * step));
        }

        return true;
    }

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
}
