using BenchmarkDotNet.Attributes;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;

namespace Pipeline.Bench.Micro;

/// <summary>Per-event decode and per-key snapshot costs (the processor's decode and persist steps).</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class CodecBenchmarks
{
    private readonly TelemetryDecoder _decoder = new();
    private RawEvent _body;
    private KeyState _state = null!;
    private byte[] _snapshot = [];

    [GlobalSetup]
    public void Setup()
    {
        var workload = new Workload(100);
        var e = workload.Create(5, 50)!;
        _body = new RawEvent(TelemetryEncoder.ToJson(e), e.Source);

        // A key in steady state: 60 rounds through the engine.
        var harness = new EngineHarness(100);
        for (var round = 0; round < 60; round++)
        {
            var events = Enumerable.Range(0, 100).Select(k => workload.Create(k, round)).OfType<Telemetry>().ToArray();
            harness.ApplyBatch(events, Workload.ProcessingTime(round));
        }

        _state = harness.States[workload.Name(5)];
        _snapshot = KeyStateSerializer.Write(_state);
    }

    [Benchmark]
    public bool Decode() => _decoder.TryDecode(_body, out _, out _);

    [Benchmark]
    public byte[] WriteSnapshot() => KeyStateSerializer.Write(_state);

    [Benchmark]
    public KeyState ReadSnapshot() => KeyStateSerializer.Read(_snapshot, _state.Key);
}
