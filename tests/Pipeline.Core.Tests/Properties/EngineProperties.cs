using FsCheck.Xunit;
using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;
using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;
using Pipeline.Core.State;
using Pipeline.Core.Tests.Support;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Properties;

/// <summary>
/// Properties over random scenarios. FsCheck supplies the seed; each seed expands to a scenario of several keys,
/// a mix of rules and a few hundred events, so a failing seed is a reproducible timeline.
/// </summary>
public sealed class EngineProperties
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(30);

    private static RuleSet Rules() => Set(
        new RuleDefaults(new Pipeline.Core.Time.DisorderPolicy(Tolerance, TimeSpan.FromMinutes(1), Pipeline.Core.Time.LatePolicy.Drop), TimeSpan.FromMinutes(5)),
        Threshold("hot", "temperature", "> 80", "< 75") with { For = TimeSpan.FromSeconds(20), KeepFiringFor = TimeSpan.FromSeconds(30) },
        Threshold("avg-hot", "temperature", "> 78") with { Window = WindowSpec.Tumbling(TimeSpan.FromMinutes(1)), Aggregate = new AggregateSpec(AggregateKind.Avg) },
        new Rule { Id = "ladder", Metric = "temperature", Ladder = [new SeverityStep(Severity.Warning, C("> 76")), new SeverityStep(Severity.Critical, C("> 84"))], Severity = Severity.Critical },
        Detector("vib", "vibration", new ZScoreDetectorSpec(30, 3, 10)),
        Detector("ramp", "temperature", new RateOfChangeDetectorSpec(1)),
        Detector("offline", null, new HeartbeatDetectorSpec(TimeSpan.FromMinutes(1), [])),
        new Rule { Id = "hot-offline", Composite = new CompositeSpec(CompositeMode.Any, ["hot", "offline"]) });

    /// <summary>Events for three keys, strictly increasing in time per key with 5-25 s steps and occasional silences.</summary>
    private static List<Telemetry> Scenario(int seed, int perKey = 60)
    {
        var random = new Random(seed);
        var events = new List<Telemetry>();
        foreach (var key in new[] { "a", "b", "c" })
        {
            double t = random.Next(0, 10);
            for (var i = 0; i < perKey; i++)
            {
                t += random.Next(5, 26) + (random.Next(20) == 0 ? 90 : 0);
                var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
                {
                    ["temperature"] = Math.Round(70 + (random.NextDouble() * 20), 1),
                    ["vibration"] = random.Next(15) == 0 ? 9 : Math.Round(1 + random.NextDouble(), 2),
                };
                events.Add(new Telemetry(key, Timeline.At(t), metrics, null, new SourcePosition("0", 0, Timeline.At(t))));
            }
        }

        return events;
    }

    private static List<Telemetry> WithArrivalSequence(IEnumerable<Telemetry> arrivals)
    {
        var sequence = 0L;
        return arrivals.Select(e => new Telemetry(e.Key, e.Timestamp, e.Metrics, e.Labels, new SourcePosition("0", ++sequence, e.Timestamp))).ToList();
    }

    /// <summary>Runs events in batches (each at its own processing time) and returns every key's alerts and snapshot.</summary>
    private static (List<string> Alerts, Dictionary<string, byte[]> Snapshots) Run(IReadOnlyList<(DateTimeOffset At, List<Telemetry> Events)> batches, bool deliverTwice = false,
        DateTimeOffset? finalSweep = null)
    {
        var engine = new KeyEngine(RuleSetCompiler.Compile(Rules(), "prop"));
        var states = new Dictionary<string, KeyState>(StringComparer.Ordinal);
        var alerts = new List<string>();
        void Apply(string key, IReadOnlyList<Telemetry> events, DateTimeOffset at)
        {
            if (!states.TryGetValue(key, out var state))
            {
                states[key] = state = engine.NewState(key, at);
            }

            var before = state.Outbox.Count;
            var ignored = default(Dispositions);
            engine.Apply(state, events, at, ref ignored, new List<DeadLetter>());
            alerts.AddRange(state.Outbox.Skip(before).Select(a => a.Id + " " + Timeline.Line(a)));
        }

        foreach (var (at, events) in batches)
        {
            foreach (var group in events.GroupBy(e => e.Key))
            {
                Apply(group.Key, group.ToList(), at);
                if (deliverTwice)
                {
                    Apply(group.Key, group.ToList(), at);
                }
            }
        }

        if (finalSweep is { } sweep)
        {
            foreach (var key in states.Keys.ToList())
            {
                Apply(key, [], sweep);
            }
        }

        return (alerts, states.ToDictionary(p => p.Key, p => KeyStateSerializer.Write(p.Value), StringComparer.Ordinal));
    }

    /// <summary>Arrival in time order; each batch is processed at the time of its latest event.</summary>
    private static List<(DateTimeOffset, List<Telemetry>)> Batches(List<Telemetry> arrivals, int seed)
    {
        var random = new Random(seed ^ 0x5bd1e995);
        var batches = new List<(DateTimeOffset, List<Telemetry>)>();
        var latest = DateTimeOffset.MinValue;
        for (var i = 0; i < arrivals.Count;)
        {
            var n = Math.Min(random.Next(1, 20), arrivals.Count - i);
            var batch = arrivals.GetRange(i, n);
            latest = batch.Max(e => e.Timestamp) > latest ? batch.Max(e => e.Timestamp) : latest;
            batches.Add((latest, batch));
            i += n;
        }

        return batches;
    }

    [Property(MaxTest = 60)]
    public bool Applying_every_batch_twice_equals_applying_it_once(int seed)
    {
        var arrivals = WithArrivalSequence(Scenario(seed).OrderBy(e => e.Timestamp));
        var batches = Batches(arrivals, seed);

        var once = Run(batches);
        var twice = Run(batches, deliverTwice: true);

        return once.Alerts.SequenceEqual(twice.Alerts)
            && once.Snapshots.Keys.All(k => once.Snapshots[k].AsSpan().SequenceEqual(twice.Snapshots[k]));
    }

    [Property(MaxTest = 60)]
    public bool Snapshot_round_trips_exactly_and_a_restored_key_continues_identically(int seed)
    {
        var engine = new KeyEngine(RuleSetCompiler.Compile(Rules(), "prop"));
        var events = WithArrivalSequence(Scenario(seed).Where(e => e.Key == "a").OrderBy(e => e.Timestamp));
        var half = events.Count / 2;
        var original = engine.NewState("a", events[0].Timestamp);
        var ignored = default(Dispositions);
        foreach (var e in events.Take(half))
        {
            engine.Apply(original, [e], e.Timestamp, ref ignored, []);
        }

        var bytes = KeyStateSerializer.Write(original);
        var restored = KeyStateSerializer.Read(bytes, "a");
        var again = KeyStateSerializer.Write(restored);

        foreach (var e in events.Skip(half))
        {
            engine.Apply(original, [e], e.Timestamp, ref ignored, []);
            engine.Apply(restored, [e], e.Timestamp, ref ignored, []);
        }

        return bytes.AsSpan().SequenceEqual(again)
            && original.Outbox.Select(a => a.ToJson()).SequenceEqual(restored.Outbox.Select(a => a.ToJson()))
            && KeyStateSerializer.Write(original).AsSpan().SequenceEqual(KeyStateSerializer.Write(restored));
    }

    [Fact]
    public void Composite_timing_does_not_depend_on_arrival_order_regression_seed_38() =>
        Assert.True(Any_arrival_order_within_the_tolerance_gives_the_same_alerts(38));

    [Property(MaxTest = 60)]
    public bool Any_arrival_order_within_the_tolerance_gives_the_same_alerts(int seed)
    {
        var inOrder = Scenario(seed).OrderBy(e => e.Timestamp).ToList();

        // Shuffle within runs of events spanning less than the tolerance: no event arrives after the watermark passed it.
        var random = new Random(seed);
        var shuffled = new List<Telemetry>();
        for (var i = 0; i < inOrder.Count;)
        {
            var j = i + 1;
            while (j < inOrder.Count && inOrder[j].Timestamp - inOrder[i].Timestamp < Tolerance)
            {
                j++;
            }

            shuffled.AddRange(inOrder.GetRange(i, j - i).OrderBy(_ => random.Next()));
            i = j;
        }

        // Every event in its own batch, all at one processing time so only event time moves the watermark.
        var at = Timeline.At(0).AddDays(1) - TimeSpan.FromHours(23.5);
        var end = inOrder[^1].Timestamp.AddHours(1);
        var a = Run(WithArrivalSequence(inOrder).Select(e => (at, new List<Telemetry> { e })).ToList(), finalSweep: end);
        var b = Run(WithArrivalSequence(shuffled).Select(e => (at, new List<Telemetry> { e })).ToList(), finalSweep: end);

        // Alerts per key in order (keys interleave differently across arrival orders).
        static IEnumerable<string> PerKey(List<string> alerts) => alerts.OrderBy(l => l.Split(' ')[3], StringComparer.Ordinal).ThenBy(l => alerts.IndexOf(l));
        return a.Alerts.Count > 0 && PerKey(a.Alerts).SequenceEqual(PerKey(b.Alerts));
    }
}
