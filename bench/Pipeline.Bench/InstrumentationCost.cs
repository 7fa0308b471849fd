using System.Diagnostics;
using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.Observability;
using Pipeline.Core.Processing;
using Pipeline.Core.State;

namespace Pipeline.Bench;

/// <summary>One processor configuration's share of an instrumentation run.</summary>
/// <param name="MedianCpuRatio">The median over rounds of this configuration's events per CPU second divided by the uninstrumented one's in the same round.</param>
internal sealed record CostRun(string Name, long Events, double CpuSeconds, double WallSeconds, double MedianCpuRatio, double MedianWallRatio)
{
    public double EventsPerCpuSec => Events / CpuSeconds;

    public double EventsPerSec => Events / WallSeconds;
}

/// <summary>
/// <c>instrumentation KEYS WARMUP ROUNDS</c>: the partition processor over in-memory ports with its telemetry off (no
/// <see cref="PipelineTelemetry"/>), with an OpenTelemetry meter provider collecting every instrument, and with the
/// batch spans recorded too. The three run in one process on identical event streams, a round (every key once) each
/// in turn, the order rotating and a full collection before each, so drift in the machine's load and garbage
/// collections fall on all of them alike. Throughput is counted per second of this thread's CPU time (the memory ports
/// complete synchronously) and of wall time; the cost is the median over rounds of the same round's ratio to the
/// uninstrumented processor, which a burst of load on a shared machine moves less than the totals.
/// </summary>
internal static class InstrumentationCost
{
    public static async Task<int> RunAsync(string[] args)
    {
        var keys = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        var warmup = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 60;
        var runs = await MeasureAsync(keys, warmup, rounds).ConfigureAwait(false);
        var off = runs[0];
        Console.WriteLine($"instrumentation cost: {keys:N0} keys, {rounds} measured rounds after {warmup}, batches of {Measurements.BatchSize} JSON bodies");
        foreach (var run in runs)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {run.Name,-16} {run.EventsPerCpuSec,9:N0} events/CPU-s, median round {Change(run.MedianCpuRatio),7};   {run.EventsPerSec,9:N0} events/s wall, median round {Change(run.MedianWallRatio),7}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  totals against off: metrics {Change(runs[1].EventsPerCpuSec / off.EventsPerCpuSec)} CPU, {Change(runs[1].EventsPerSec / off.EventsPerSec)} wall"));

        return 0;
    }

    private static string Change(double ratio) =>
        string.Create(CultureInfo.InvariantCulture, $"{(ratio - 1) * 100:+0.0;-0.0;0.0}%");

    public static async Task<IReadOnlyList<CostRun>> MeasureAsync(int keys, int warmupRounds, int measuredRounds)
    {
        using var metricsTelemetry = new PipelineTelemetry(TimeProvider.System, "Pipeline.Bench.Metrics");
        using var tracedTelemetry = new PipelineTelemetry(TimeProvider.System, "Pipeline.Bench.Traced");
        var exported = new List<OpenTelemetry.Metrics.Metric>();
        using var meters = Sdk.CreateMeterProviderBuilder()
            .AddMeter(metricsTelemetry.Meter.Name, tracedTelemetry.Meter.Name)
            .AddInMemoryExporter(exported)
            .Build();
        var spans = new List<Activity>();
        using var traces = Sdk.CreateTracerProviderBuilder()
            .AddSource(tracedTelemetry.ActivitySource.Name)
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(spans)
            .Build();

        var lanes = new[]
        {
            new Lane("off", null, keys),
            new Lane("metrics", metricsTelemetry, keys),
            new Lane("metrics+traces", tracedTelemetry, keys),
        };
        try
        {
            for (var round = 0; round < warmupRounds + measuredRounds; round++)
            {
                var measured = round >= warmupRounds;
                for (var i = 0; i < lanes.Length; i++)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    await lanes[(round + i) % lanes.Length].RoundAsync(round + 1, measured).ConfigureAwait(false);
                }

                // The in-memory span exporter keeps every span: drop them so memory stays flat.
                spans.Clear();
            }
        }
        finally
        {
            foreach (var lane in lanes)
            {
                lane.Dispose();
            }
        }

        var off = lanes[0];
        return [.. lanes.Select(l => new CostRun(l.Name, l.Events, l.CpuNanoseconds / 1e9, (double)l.WallTicks / Stopwatch.Frequency,
            Median(l.RoundCpu.Zip(off.RoundCpu, (mine, theirs) => (double)theirs / mine)),
            Median(l.RoundWall.Zip(off.RoundWall, (mine, theirs) => (double)theirs / mine))))];
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private sealed class Lane : IDisposable
    {
        private readonly PartitionProcessor _processor;
        private readonly Workload.Cursor _cursor;
        private readonly Telemetry[] _batch = new Telemetry[Measurements.BatchSize];

        public Lane(string name, PipelineTelemetry? telemetry, int keys)
        {
            Name = name;
            _processor = new PartitionProcessor(BenchRules.RuleSet, new MemoryStateStore(), new MemoryAlertSink(), new MemoryDeadLetterStore(),
                new ProcessorOptions { Environment = BenchRules.Environment, Telemetry = telemetry });
            _cursor = new Workload.Cursor(new Workload(keys), 0);
        }

        public string Name { get; }

        public long Events { get; private set; }

        public long CpuNanoseconds { get; private set; }

        public long WallTicks { get; private set; }

        /// <summary>CPU nanoseconds and wall ticks of each measured round (same events in every lane).</summary>
        public List<long> RoundCpu { get; } = [];

        public List<long> RoundWall { get; } = [];

        /// <summary>Processes every batch of the stream up to <paramref name="endRound"/>, timing them when <paramref name="measured"/>.</summary>
        public async Task RoundAsync(int endRound, bool measured)
        {
            var (cpu0, wall0) = (CpuNanoseconds, WallTicks);
            while (_cursor.Round < endRound)
            {
                var n = _cursor.Fill(_batch, endRound, out var processingTime);
                var raw = new RawEvent[n];
                for (var i = 0; i < n; i++)
                {
                    raw[i] = new RawEvent(TelemetryEncoder.ToJson(_batch[i]), _batch[i].Source);
                }

                var cpu = ThreadCpuTime.NowNanoseconds();
                var wall = Stopwatch.GetTimestamp();
                var result = await _processor.ProcessAsync(raw, processingTime).ConfigureAwait(false);
                if (measured)
                {
                    WallTicks += Stopwatch.GetTimestamp() - wall;
                    CpuNanoseconds += ThreadCpuTime.NowNanoseconds() - cpu;
                    Events += n;
                }

                if (result.PublishError is not null || result.Dispositions.Malformed > 0)
                {
                    throw new InvalidOperationException($"Instrumentation run: unexpected batch result {result}.");
                }
            }

            if (measured)
            {
                RoundCpu.Add(CpuNanoseconds - cpu0);
                RoundWall.Add(WallTicks - wall0);
            }
        }

        public void Dispose() => _processor.Dispose();
    }
}
