using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Bench;

/// <summary>
/// Drives <see cref="KeyEngine"/> the way the partition processor does, minus the ports: a batch is grouped per key
/// (arrival order kept within a key), each key's events are applied in one call, and the key's outbox is drained
/// (counted, optionally collected, then cleared, standing in for a successful publish). Grouping lists are pooled.
/// </summary>
internal sealed class EngineHarness
{
    private readonly KeyEngine _engine;
    private readonly Dictionary<string, KeyState> _states;
    private readonly Dictionary<string, int> _groupIndex = new(StringComparer.Ordinal);
    private readonly List<List<Telemetry>> _groups = [];
    private readonly List<KeyState> _groupStates = [];
    private Dispositions _counters;
    private readonly List<DeadLetter> _deadLetters = [];

    public EngineHarness(int expectedKeys = 0, CompiledRules? rules = null)
    {
        _engine = new KeyEngine(rules ?? BenchRules.Compile());
        _states = new Dictionary<string, KeyState>(expectedKeys, StringComparer.Ordinal);
    }

    public KeyEngine Engine => _engine;

    public IReadOnlyDictionary<string, KeyState> States => _states;

    public Dispositions Counters => _counters;

    public int DeadLetters => _deadLetters.Count;

    public long Alerts { get; private set; }

    /// <summary>When set, every drained alert is added here.</summary>
    public List<AlertEvent>? Collected { get; set; }

    public void ApplyBatch(ReadOnlySpan<Telemetry> batch, DateTimeOffset processingTime)
    {
        var used = 0;
        foreach (var e in batch)
        {
            if (!_groupIndex.TryGetValue(e.Key, out var g))
            {
                g = used++;
                _groupIndex[e.Key] = g;
                if (g == _groups.Count)
                {
                    _groups.Add(new List<Telemetry>(4));
                    _groupStates.Add(null!);
                }

                if (!_states.TryGetValue(e.Key, out var state))
                {
                    state = _engine.NewState(e.Key, processingTime);
                    _states[e.Key] = state;
                }

                _groupStates[g] = state;
            }

            _groups[g].Add(e);
        }

        for (var g = 0; g < used; g++)
        {
            var state = _groupStates[g];
            _engine.Apply(state, _groups[g], processingTime, ref _counters, _deadLetters);
            Drain(state);
            _groups[g].Clear();
        }

        _groupIndex.Clear();
    }

    /// <summary>Advances every key to <paramref name="processingTime"/> with no events (what a Sweep does for due keys).</summary>
    public void AdvanceAll(DateTimeOffset processingTime)
    {
        foreach (var state in _states.Values)
        {
            _engine.Apply(state, [], processingTime, ref _counters, _deadLetters);
            Drain(state);
        }
    }

    private void Drain(KeyState state)
    {
        var outbox = state.Outbox;
        if (outbox.Count == 0)
        {
            return;
        }

        Alerts += outbox.Count;
        Collected?.AddRange(outbox);
        outbox.Clear();
    }
}
