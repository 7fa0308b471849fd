using System.Globalization;
using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;
using Pipeline.Core.RuleSets;
using Pipeline.Core.State;

namespace Pipeline.Core.Rules.Testing;

/// <summary>The outcome of one test: passed, or the readable diff of what was expected against what came out.</summary>
public sealed record RuleTestOutcome(string Name, bool Passed, IReadOnlyList<string> Diff, IReadOnlyList<AlertEvent> Transitions);

/// <summary>
/// Runs a rule test on the real engine: each device's events arrive at their own event time (a punctual device), and
/// processing time also steps every interval up to the end, so time-driven rules (heartbeats, windows closing,
/// keepFiringFor) behave as under the Function App's Sweep.
/// </summary>
public static class RuleTestRunner
{
    private const double ValueTolerance = 1e-9;

    public static RuleTestOutcome Run(RuleSet rules, RuleTestCase test)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(test);
        var transitions = Replay(rules, test);
        var only = test.Only.Count == 0 ? null : test.Only.ToHashSet(StringComparer.Ordinal);
        var got = transitions.Where(t => only is null || only.Contains(t.Data.RuleId)).ToList();

        var diff = new List<string>();
        var unknown = test.Expect.Select(e => e.Rule).Concat(test.ExpectState.Select(s => s.Rule)).Concat(test.Only)
            .Where(id => !rules.Rules.Any(r => r.Id == id)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var id in unknown)
        {
            diff.Add($"  rule '{id}' is not in the rule file");
        }

        var alertDiff = Diff(test.Expect, got, test.Start);
        if (alertDiff.Any(l => l[0] != ' '))
        {
            diff.Add("  transitions (- expected, + got):");
            diff.AddRange(alertDiff.Select(l => "    " + l));
        }

        foreach (var state in test.ExpectState)
        {
            var at = test.Start + state.At;
            var last = transitions.LastOrDefault(t => t.Data.RuleId == state.Rule && t.Data.Key == state.Device && t.Time <= at);
            var firing = last is not null && last.Kind != AlertTransitionKind.Resolved;
            var severity = firing ? last!.Data.Severity : (Severity?)null;
            if (firing != state.Firing || (state.Severity is { } s && state.Firing && severity != s))
            {
                diff.Add($"  state at {DurationText.Format(state.At)} of {state.Rule} {state.Device} (line {state.Line.ToString(CultureInfo.InvariantCulture)}):");
                diff.Add($"    - {(state.Firing ? "firing" : "inactive")}{(state.Severity is { } es && state.Firing ? " " + Name(es) : string.Empty)}");
                diff.Add($"    + {(firing ? "firing " + Name(severity!.Value) : "inactive")}");
            }
        }

        return new RuleTestOutcome(test.Name, diff.Count == 0, diff, got);
    }

    /// <summary>Every transition the engine emits for the test's input, in emission order.</summary>
    public static List<AlertEvent> Replay(RuleSet rules, RuleTestCase test)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(test);
        var engine = new KeyEngine(RuleSetCompiler.Compile(rules, "test"));

        // Group each device's samples by time: metrics at the same instant travel in one event, as a device sends them.
        var arrivals = new SortedDictionary<long, Dictionary<string, Dictionary<string, double>>>();
        foreach (var device in test.Devices)
        {
            foreach (var (metric, values) in device.Series)
            {
                for (var i = 0; i < values.Count; i++)
                {
                    if (values[i] is { } v)
                    {
                        Sample(arrivals, (test.Start + (test.Interval * i)).UtcTicks, device.Id)[metric] = v;
                    }
                }
            }

            foreach (var e in device.Events)
            {
                foreach (var (metric, v) in e.Metrics)
                {
                    Sample(arrivals, (test.Start + e.At).UtcTicks, device.Id)[metric] = v;
                }
            }
        }

        var last = arrivals.Count == 0 ? test.Start.UtcTicks : arrivals.Keys.Max();
        var end = test.Until is { } until ? (test.Start + until).UtcTicks : last + test.Interval.Ticks;
        for (var t = test.Start.UtcTicks; t <= end; t += test.Interval.Ticks)
        {
            arrivals.TryAdd(t, []);
        }

        var states = test.Devices.ToDictionary(d => d.Id, d => engine.NewState(d.Id, test.Start), StringComparer.Ordinal);
        var labels = test.Devices.ToDictionary(d => d.Id, d => d.Labels, StringComparer.Ordinal);
        var sequences = new Dictionary<string, long>(StringComparer.Ordinal);
        var counters = new Dispositions();
        var deadLetters = new List<DeadLetter>();
        var transitions = new List<AlertEvent>();
        foreach (var (ticks, byDevice) in arrivals)
        {
            if (ticks > end)
            {
                break;
            }

            var time = new DateTimeOffset(ticks, TimeSpan.Zero);
            foreach (var device in test.Devices)
            {
                var state = states[device.Id];
                var events = new List<Telemetry>(1);
                if (byDevice.TryGetValue(device.Id, out var metrics))
                {
                    var sequence = sequences.GetValueOrDefault(device.Id) + 1;
                    sequences[device.Id] = sequence;
                    events.Add(new Telemetry(device.Id, time, metrics, labels[device.Id], new SourcePosition("0", sequence, time)));
                }

                var before = state.Outbox.Count;
                engine.Apply(state, events, time, ref counters, deadLetters);
                transitions.AddRange(state.Outbox.Skip(before));
            }
        }

        return transitions;
    }

    /// <summary>A line diff: matched lines start with two spaces, missing expected ones with '- ', unexpected ones with '+ '.</summary>
    internal static List<string> Diff(IReadOnlyList<ExpectedTransition> expected, IReadOnlyList<AlertEvent> got, DateTimeOffset start)
    {
        // Longest common subsequence under "matches": small inputs, so the quadratic table is fine.
        var n = expected.Count;
        var m = got.Count;
        var lcs = new int[n + 1, m + 1];
        for (var i = n - 1; i >= 0; i--)
        {
            for (var j = m - 1; j >= 0; j--)
            {
                lcs[i, j] = Matches(expected[i], got[j], start) ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var lines = new List<string>();
        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && Matches(expected[x], got[y], start))
            {
                lines.Add("  " + Line(got[y], start));
                x++;
                y++;
            }
            else if (x < n && y < m && lcs[x + 1, y + 1] == lcs[x, y])
            {
                // Neither line is part of the common sequence: show them as a pair, expected then got.
                lines.Add("- " + Line(expected[x]) + $"   (line {expected[x].Line.ToString(CultureInfo.InvariantCulture)})");
                lines.Add("+ " + Line(got[y], start));
                x++;
                y++;
            }
            else if (x < n && (y == m || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                lines.Add("- " + Line(expected[x]) + $"   (line {expected[x].Line.ToString(CultureInfo.InvariantCulture)})");
                x++;
            }
            else
            {
                lines.Add("+ " + Line(got[y], start));
                y++;
            }
        }

        return lines;
    }

    private static bool Matches(ExpectedTransition e, AlertEvent a, DateTimeOffset start) =>
        e.Type == a.Kind && e.Rule == a.Data.RuleId && e.Device == a.Data.Key && start + e.At == a.Time
        && (e.Severity is null || e.Severity == a.Data.Severity)
        && (e.Value is null || (a.Data.Value is { } v && Math.Abs(v - e.Value.Value) <= ValueTolerance * Math.Max(1, Math.Abs(v))));

    /// <summary>For example <c>fired overheat chiller-01 at 3m critical value=85</c>.</summary>
    public static string Line(AlertEvent alert, DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var value = alert.Data.Value is { } v ? " value=" + v.ToString("0.######", CultureInfo.InvariantCulture) : string.Empty;
        return $"{Name(alert.Kind)} {alert.Data.RuleId} {alert.Data.Key} at {DurationText.Format(alert.Time - start)} {Name(alert.Data.Severity)}{value}";
    }

    private static string Line(ExpectedTransition e)
    {
        var severity = e.Severity is { } s ? " " + Name(s) : string.Empty;
        var value = e.Value is { } v ? " value=" + v.ToString("0.######", CultureInfo.InvariantCulture) : string.Empty;
        return $"{Name(e.Type)} {e.Rule} {e.Device} at {DurationText.Format(e.At)}{severity}{value}";
    }

    private static string Name<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static Dictionary<string, double> Sample(SortedDictionary<long, Dictionary<string, Dictionary<string, double>>> arrivals, long ticks, string device)
    {
        if (!arrivals.TryGetValue(ticks, out var byDevice))
        {
            byDevice = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
            arrivals[ticks] = byDevice;
        }

        if (!byDevice.TryGetValue(device, out var metrics))
        {
            metrics = new Dictionary<string, double>(StringComparer.Ordinal);
            byDevice[device] = metrics;
        }

        return metrics;
    }
}
