using System.Globalization;
using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;
using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;
using Pipeline.Core.State;

namespace Pipeline.Core.Tests.Support;

/// <summary>
/// Drives one engine over a timeline: events in (with their arrival time), every alert transition out, written
/// as "Fired overheat d1 00:04:00 warning". Times are offsets from <see cref="T0"/>.
/// </summary>
internal sealed class Timeline
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<string, KeyState> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sequences = new(StringComparer.Ordinal);
    private readonly KeyEngine _engine;

    public Timeline(RuleSet rules, string environment = "test")
    {
        _engine = new KeyEngine(RuleSetCompiler.Compile(rules, environment));
    }

    private Dispositions _counters;

    public Dispositions Counters => _counters;

    public List<DeadLetter> DeadLetters { get; } = [];

    /// <summary>Every transition so far, in emission order.</summary>
    public List<AlertEvent> Alerts { get; } = [];

    public KeyEngine Engine => _engine;

    public KeyState State(string key = "d1") => _states[key];

    public static DateTimeOffset At(double seconds) => T0.AddSeconds(seconds);

    public static Telemetry Event(string key, double seconds, string metric, double value, IReadOnlyDictionary<string, string>? labels = null, long sequence = -1) =>
        new(key, At(seconds), new Dictionary<string, double>(StringComparer.Ordinal) { [metric] = value }, labels,
            new SourcePosition("0", sequence, At(seconds)));

    /// <summary>Sends events of one metric for key d1, each arriving at its own event time (a punctual device).</summary>
    public Timeline Send(string metric, params (double Seconds, double Value)[] points)
    {
        foreach (var (seconds, value) in points)
        {
            Arrive(At(seconds), Event("d1", seconds, metric, value, sequence: NextSequence("d1")));
        }

        return this;
    }

    /// <summary>Events arriving together at <paramref name="arrival"/>.</summary>
    public Timeline Arrive(DateTimeOffset arrival, params Telemetry[] events)
    {
        foreach (var group in events.GroupBy(e => e.Key))
        {
            var state = StateFor(group.Key, arrival);
            var before = state.Outbox.Count;
            _engine.Apply(state, group.ToList(), arrival, ref _counters, DeadLetters);
            Alerts.AddRange(state.Outbox.Skip(before));
        }

        return this;
    }

    /// <summary>Processing time passes with no events (the Sweep), for the given keys (default d1).</summary>
    public Timeline Sweep(double seconds, params string[] keys)
    {
        foreach (var key in keys.Length == 0 ? ["d1"] : keys)
        {
            var state = StateFor(key, At(seconds));
            var before = state.Outbox.Count;
            _engine.Apply(state, [], At(seconds), ref _counters, DeadLetters);
            Alerts.AddRange(state.Outbox.Skip(before));
        }

        return this;
    }

    public long NextSequence(string key)
    {
        _sequences.TryGetValue(key, out var s);
        _sequences[key] = s + 1;
        return s + 1;
    }

    /// <summary>The transitions as readable lines.</summary>
    public List<string> Lines() => Alerts.Select(Line).ToList();

    public static string Line(AlertEvent a) =>
        $"{a.Kind} {a.Data.RuleId} {a.Data.Key} {(a.Time - T0).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture)} {a.Data.Severity.ToString().ToLowerInvariant()}";

    private KeyState StateFor(string key, DateTimeOffset arrival)
    {
        if (!_states.TryGetValue(key, out var state))
        {
            state = _engine.NewState(key, arrival);
            _states[key] = state;
        }

        return state;
    }
}
