using BenchmarkDotNet.Attributes;
using Pipeline.Core.Events;

namespace Pipeline.Bench.Micro;

/// <summary>
/// The engine and the Rx peer over the same 40,000 events (1,000 keys x 40 rounds, then the end of the stream),
/// each operation on fresh state: the side-by-side comparison under BenchmarkDotNet.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class PeerBenchmarks
{
    private const int Keys = 1_000;
    private const int Rounds = 40;
    private List<Telemetry> _events = [];
    private DateTimeOffset _end;

    [GlobalSetup]
    public void Setup()
    {
        _events = new Workload(Keys).Generate(Rounds);
        _end = Workload.ProcessingTime(Rounds - 1).AddHours(1);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Keys * Rounds)]
    public long Engine()
    {
        var harness = new EngineHarness(Keys);
        Measurements.RunEngine(harness, _events, _end);
        return harness.Alerts;
    }

    [Benchmark(OperationsPerInvoke = Keys * Rounds)]
    public int Rx()
    {
        var alerts = new List<AlertKey>();
        Measurements.RunRx(_events, alerts);
        return alerts.Count;
    }
}
