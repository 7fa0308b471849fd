using BenchmarkDotNet.Attributes;
using Pipeline.Core.Events;

namespace Pipeline.Bench.Micro;

/// <summary>
/// One round of the benchmark stream (one event per key) applied to keys already in steady state. Each iteration's
/// rounds are generated (and encoded) in <see cref="IterationSetup"/>, outside the measurement, because event time
/// must move forward: replaying the same events would only measure the late-event path.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class EngineRoundBenchmarks
{
    private const int RoundsPerIteration = 8;

    private Workload _workload = null!;
    private EngineHarness _harness = null!;
    private EngineHarness _decodeHarness = null!;
    private TelemetryDecoder _decoder = null!;
    private int _round;
    private int _next;
    private Telemetry[][] _rounds = [];
    private RawEvent[][] _bodies = [];
    private DateTimeOffset[] _times = [];
    private Telemetry[] _scratch = [];

    [Params(1_000, 10_000)]
    public int Keys { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _workload = new Workload(Keys);
        _harness = new EngineHarness(Keys);
        _decodeHarness = new EngineHarness(Keys);
        _decoder = new TelemetryDecoder();
        _scratch = new Telemetry[Keys];

        // Steady state: past the z-score warm-up of 30 values.
        for (_round = 0; _round < 40; _round++)
        {
            var events = Round(_round);
            _harness.ApplyBatch(events, Workload.ProcessingTime(_round));
            _decodeHarness.ApplyBatch(events, Workload.ProcessingTime(_round));
        }
    }

    [IterationSetup]
    public void NextRounds()
    {
        _rounds = new Telemetry[RoundsPerIteration][];
        _bodies = new RawEvent[RoundsPerIteration][];
        _times = new DateTimeOffset[RoundsPerIteration];
        for (var i = 0; i < RoundsPerIteration; i++, _round++)
        {
            _rounds[i] = Round(_round);
            _bodies[i] = [.. _rounds[i].Select(e => new RawEvent(TelemetryEncoder.ToJson(e), e.Source))];
            _times[i] = Workload.ProcessingTime(_round);
        }

        _next = 0;
    }

    /// <summary>Pre-decoded events, the whole round as one batch grouped per key (one event per key).</summary>
    [Benchmark]
    [InvocationCount(RoundsPerIteration)]
    public void ApplyRound()
    {
        var i = _next++;
        _harness.ApplyBatch(_rounds[i], _times[i]);
    }

    /// <summary>JSON bodies: decode each, then apply the round.</summary>
    [Benchmark]
    [InvocationCount(RoundsPerIteration)]
    public void DecodeApplyRound()
    {
        var i = _next++;
        var bodies = _bodies[i];
        var n = 0;
        foreach (var raw in bodies)
        {
            if (_decoder.TryDecode(raw, out var t, out _))
            {
                _scratch[n++] = t;
            }
        }

        _decodeHarness.ApplyBatch(_scratch.AsSpan(0, n), _times[i]);
    }

    private Telemetry[] Round(int round)
    {
        var list = new List<Telemetry>(Keys);
        for (var k = 0; k < Keys; k++)
        {
            if (_workload.Create(k, round) is { } e)
            {
                list.Add(e);
            }
        }

        return [.. list];
    }
}
