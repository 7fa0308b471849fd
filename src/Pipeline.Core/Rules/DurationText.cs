using System.Globalization;
using System.Text;

namespace Pipeline.Core.Rules;

/// <summary>
/// Durations as written in rule files: unit sequences like <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>2d</c>,
/// <c>1m30s</c>, <c>1.5h</c> (units d, h, m, s, ms, each at most once, largest first), the bare <c>0</c>, or ISO-8601
/// <c>PT5M</c> / <c>P1DT2H</c>. Negative durations are rejected: no rule setting can be negative.
/// </summary>
public static class DurationText
{
    private static readonly (string Unit, long Ticks)[] Units =
    [
        ("d", TimeSpan.TicksPerDay),
        ("h", TimeSpan.TicksPerHour),
        ("m", TimeSpan.TicksPerMinute),
        ("s", TimeSpan.TicksPerSecond),
        ("ms", TimeSpan.TicksPerMillisecond),
    ];

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s))
        {
            return false;
        }

        if (s == "0")
        {
            return true;
        }

        return s[0] is 'P' or 'p' ? TryParseIso(s, out value) : TryParseUnits(s, out value);
    }

    /// <summary>The shortest unit form: <c>1m30s</c>, <c>500ms</c>, <c>0s</c>; sub-millisecond parts as a decimal <c>ms</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        // decimal keeps TimeSpan.MinValue's magnitude without overflow.
        var ticks = Math.Abs((decimal)value.Ticks);
        var builder = new StringBuilder();
        if (value < TimeSpan.Zero)
        {
            builder.Append('-');
        }

        foreach (var (unit, unitTicks) in Units)
        {
            var count = unit == "ms" ? ticks / unitTicks : decimal.Floor(ticks / unitTicks);
            if (count > 0)
            {
                builder.Append(count.ToString("0.####", CultureInfo.InvariantCulture)).Append(unit);
                ticks -= count * unitTicks;
            }
        }

        return builder.ToString();
    }

    private static bool TryParseUnits(string s, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        decimal total = 0;
        var lastRank = -1;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            var numberEnd = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }

            var unit = s[numberEnd..i];
            var rank = Array.FindIndex(Units, u => u.Unit == unit);
            if (numberEnd == start || rank <= lastRank
                || !decimal.TryParse(s.AsSpan(start, numberEnd - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            lastRank = rank;
            total += number * Units[rank].Ticks;
            if (total > TimeSpan.MaxValue.Ticks)
            {
                return false;
            }
        }

        value = TimeSpan.FromTicks((long)total);
        return true;
    }

    // P[nD][T[nH][nM][n.nS]]; years and months have no fixed length, so they are not accepted.
    private static bool TryParseIso(string s, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var upper = s.ToUpperInvariant();
        decimal total = 0;
        var inTime = false;
        var lastRank = -1;
        var components = 0;
        var i = 1;
        while (i < upper.Length)
        {
            if (upper[i] == 'T')
            {
                if (inTime)
                {
                    return false;
                }

                inTime = true;
                i++;
                if (i == upper.Length)
                {
                    return false;
                }

                continue;
            }

            var start = i;
            while (i < upper.Length && (char.IsAsciiDigit(upper[i]) || upper[i] == '.'))
            {
                i++;
            }

            if (i == start || i == upper.Length
                || !decimal.TryParse(upper.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var (rank, unitTicks) = (upper[i], inTime) switch
            {
                ('D', false) => (0, TimeSpan.TicksPerDay),
                ('H', true) => (1, TimeSpan.TicksPerHour),
                ('M', true) => (2, TimeSpan.TicksPerMinute),
                ('S', true) => (3, TimeSpan.TicksPerSecond),
                _ => (-1, 0L),
            };
            if (rank <= lastRank)
            {
                return false;
            }

            lastRank = rank;
            components++;
            total += number * unitTicks;
            if (total > TimeSpan.MaxValue.Ticks)
            {
                return false;
            }

            i++;
        }

        if (components == 0)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)total);
        return true;
    }
}
