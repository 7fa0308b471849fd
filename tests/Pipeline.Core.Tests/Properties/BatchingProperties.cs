using FsCheck.Xunit;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;
using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;
using Pipeline.Core.State;
using Pipeline.Core.Tests.Support;
using Pipeline.Core.Time;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Properties;

/// <summary>
/// The same arrival sequence gives the same alerts (ids included), dead letters and counts however it is cut into
/// batches: one event per call, replay's stream-time batches, Event Hubs batches of up to 512, HTTP requests.
/// </summary>
public sealed class BatchingProperties
{
    private static RuleSet Rules(LatePolicy late, double toleranceSeconds) => Set(
        new RuleDefaults(new DisorderPolicy(TimeSpan.FromSeconds(toleranceSeconds), TimeSpan.FromSeconds(60), late), TimeSpan.FromMinutes(5)),
        Threshold("sum-1m", "v", "> 30") with { Window = WindowSpec.Tumbling(TimeSpan.FromMinutes(1)), Aggregate = new AggregateSpec(AggregateKind.Sum) },
        Threshold("avg-hop", "v", "> 6") with { Window = WindowSpec.Hopping(TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(30)), Aggregate = new AggregateSpec(AggregateKind.Avg) },
        Threshold("burst", "v", ">= 3") with { Window = WindowSpec.Sliding(TimeSpan.FromSeconds(20)), Aggregate = new AggregateSpec(AggregateKind.Count) },
        Threshold("session", "v", "> 25") with
        {
            Window = new WindowSpec(WindowKind.Session, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(40), TimeSpan.FromMinutes(10)),
            Aggregate = new AggregateSpec(AggregateKind.Sum),
        },
        Threshold("high", "v", "> 8") with { For = TimeSpan.FromSeconds(15), KeepFiringFor = TimeSpan.FromSeconds(10) });

    /// <summary>
    /// Two keys, times moving forward 1-15 s per event; about one event in six is behind the newest by up to
    /// 3 minutes, so some are within the tolerance, some within the allowed lateness and some beyond it.
    /// </summary>
    private static List<Telemetry> Stream(int seed)
    {
        var random = new Random(seed);
        var newest = new Dictionary<string, double>(StringComparer.Ordinal) { ["a"] = 0, ["b"] = 0 };
        var events = new List<Telemetry>();
        for (var i = 0; i < 150; i++)
        {
            var key = random.Next(3) == 0 ? "b" : "a";
            double t;
            if (random.Next(6) == 0)
            {
                t = Math.Max(0, newest[key] - random.Next(1, 180));
            }
            else
            {
                t = newest[key] += random.Next(1, 16);
            }

            var metrics = new Dictionary<string, double>(StringComparer.Ordinal) { ["v"] = random.Next(0, 11) };
            events.Add(new Telemetry(key, Timeline.At(t), metrics, null, new SourcePosition("0", i + 1, Timeline.At(t))));
        }

        return events;
    }

    private sealed record Outcome(List<string> Alerts, List<string> DeadLetters, Dispositions Counters);

    /// <summary>Applies the stream cut at <paramref name="cuts"/>; every call at one processing time, so only event time moves.</summary>
    private static Outcome Run(RuleSet rules, List<Telemetry> stream, HashSet<int> cuts)
    {
        var engine = new KeyEngine(RuleSetCompiler.Compile(rules, "prop"));
        var at = Timeline.At(3600);
        var states = new Dictionary<string, KeyState>(StringComparer.Ordinal);
        var counters = new Dispositions();
        var deadLetters = new List<DeadLetter>();
        var alerts = new List<string>();
        var batch = new List<Telemetry>();
        for (var i = 0; i <= stream.Count; i++)
        {
            if (i == stream.Count || (cuts.Contains(i) && batch.Count > 0))
            {
                foreach (var group in batch.GroupBy(e => e.Key))
                {
                    if (!states.TryGetValue(group.Key, out var state))
                    {
                        states[group.Key] = state = engine.NewState(group.Key, at);
                    }

                    var before = state.Outbox.Count;
                    engine.Apply(state, group.ToList(), at, ref counters, deadLetters);
                    alerts.AddRange(state.Outbox.Skip(before).Select(a => $"{a.Data.Key} {a.Id} {Timeline.Line(a)} {a.Data.Value}"));
                }

                batch.Clear();
            }

            if (i < stream.Count)
            {
                batch.Add(stream[i]);
            }
        }

        // Keys interleave differently across cuts: compare each key's alerts in order.
        var perKey = alerts.Select((line, index) => (line, index)).OrderBy(x => x.line.Split(' ')[0], StringComparer.Ordinal).ThenBy(x => x.index).Select(x => x.line).ToList();
        return new Outcome(perKey, [.. deadLetters.Select(d => d.Id).Order(StringComparer.Ordinal)], counters);
    }

    private static (long, long, long, long, long, long, long) Counts(Dispositions c) =>
        (c.Applied, c.Duplicates, c.LateAccepted, c.LateDropped, c.LateDeadLettered, c.LateAdjusted, c.Quarantined);

    [Property(MaxTest = 80)]
    public void Any_cut_of_the_stream_into_batches_gives_the_same_alerts_dead_letters_and_counts(int seed, int cutSeed)
    {
        var random = new Random(cutSeed);
        var policy = (LatePolicy)Math.Abs(seed % 3);
        var rules = Rules(policy, toleranceSeconds: Math.Abs(seed % 2) * 10);
        var stream = Stream(seed);

        // Random cut points: from every event alone to one batch of the whole stream (Event Hubs sends up to 512).
        var density = random.Next(1, 6);
        var cuts = Enumerable.Range(1, stream.Count - 1).Where(_ => random.Next(density * 10) == 0).ToHashSet();
        var single = Run(rules, stream, [.. Enumerable.Range(0, stream.Count)]);
        var cut = Run(rules, stream, cuts);
        var whole = Run(rules, stream, []);

        Assert.NotEmpty(single.Alerts);
        var c = single.Counters;
        Assert.Equal(stream.Count, c.Applied + c.Duplicates + c.LateDropped + c.LateDeadLettered + c.Quarantined);
        Assert.Equal(single.Alerts, cut.Alerts);
        Assert.Equal(single.Alerts, whole.Alerts);
        Assert.Equal(single.DeadLetters, cut.DeadLetters);
        Assert.Equal(single.DeadLetters, whole.DeadLetters);
        Assert.Equal(Counts(single.Counters), Counts(cut.Counters));
        Assert.Equal(Counts(single.Counters), Counts(whole.Counters));
    }
}
