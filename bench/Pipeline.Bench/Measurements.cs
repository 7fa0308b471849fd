using System.Diagnostics;
using System.Reactive.Subjects;
using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;
using Pipeline.Core.State;

namespace Pipeline.Bench;

/// <summary>Result of one engine throughput run (steady state, after warm-up rounds).</summary>
internal sealed record ApplyRun(
    int Keys,
    long Events,
    double EventsPerSec,
    double MedianChunkEventsPerSec,
    double EventsPerCpuSec,
    double AllocBytesPerEvent,
    double StateBytesPerKey,
    int StateBytesMax,
    double HeapBytesPerKey,
    long Alerts,
    int Gen0,
    int Gen1,
    int Gen2,
    double GcPauseSeconds,
    double Seconds);

/// <summary>Result of the side-by-side run of the engine and the Rx peer on the same events.</summary>
internal sealed record PeerRun(
    int Keys,
    int Rounds,
    int Events,
    double EngineEventsPerSec,
    double RxEventsPerSec,
    double EngineEventsPerCpuSec,
    double RxEventsPerCpuSec,
    int EngineAlerts,
    int RxAlerts,
    bool AlertsMatch,
    IReadOnlyList<string> Differences,
    IReadOnlyDictionary<string, int> AlertsByRule);

/// <summary>Result of the partition processor latency run.</summary>
internal sealed record LatencyRun(
    int Keys,
    int BatchSize,
    long Events,
    int Batches,
    int Alerts,
    double P50Us,
    double P99Us,
    double P999Us,
    double MaxUs,
    double BatchP50Us,
    double BatchP99Us,
    double EventsPerSec,
    double GcPauseSeconds,
    double Seconds);

internal static class Measurements
{
    public const int BatchSize = 512;

    /// <summary>
    /// Runs the engine (grouped 512-event batches, then a final advance one hour past the stream) and the Rx peer
    /// (events pushed through a Subject, then OnCompleted) over the same pre-generated events; each side runs
    /// <paramref name="repeats"/> times on fresh state and the fastest run counts. Alerts of the first runs are compared.
    /// </summary>
    public static PeerRun ComparePeer(int keys, int rounds, int repeats)
    {
        var workload = new Workload(keys);
        var events = workload.Generate(rounds);
        var end = Workload.ProcessingTime(rounds - 1).AddHours(1);

        // Alternate the two sides so a burst of load from other processes does not land on one side only.
        List<AlertEvent>? engineAlerts = null;
        List<AlertKey>? rxAlerts = null;
        double engineBest = double.MaxValue, rxBest = double.MaxValue, engineCpu = double.MaxValue, rxCpu = double.MaxValue;
        for (var rep = 0; rep < repeats; rep++)
        {
            var harness = new EngineHarness(keys) { Collected = rep == 0 ? [] : null };
            Collect();
            var cpu = ThreadCpuTime.NowNanoseconds();
            var sw = Stopwatch.StartNew();
            RunEngine(harness, events, end);
            sw.Stop();
            engineCpu = Math.Min(engineCpu, (ThreadCpuTime.NowNanoseconds() - cpu) / 1e9);
            engineBest = Math.Min(engineBest, sw.Elapsed.TotalSeconds);
            engineAlerts ??= harness.Collected;

            var alerts = new List<AlertKey>();
            Collect();
            cpu = ThreadCpuTime.NowNanoseconds();
            sw.Restart();
            RunRx(events, alerts);
            sw.Stop();
            rxCpu = Math.Min(rxCpu, (ThreadCpuTime.NowNanoseconds() - cpu) / 1e9);
            rxBest = Math.Min(rxBest, sw.Elapsed.TotalSeconds);
            rxAlerts ??= alerts;
        }

        var ours = engineAlerts!.Select(a => new AlertKey(a.Data.RuleId, a.Data.Key, a.Kind.ToString(), a.Time.UtcTicks)).ToList();
        var differences = Compare(ours, rxAlerts!);
        var byRule = ours.GroupBy(a => a.Rule + " " + a.Kind, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new PeerRun(keys, rounds, events.Count, events.Count / engineBest, events.Count / rxBest,
            events.Count / engineCpu, events.Count / rxCpu, ours.Count, rxAlerts!.Count,
            differences.Count == 0, differences, byRule);
    }

    public static void RunEngine(EngineHarness harness, List<Telemetry> events, DateTimeOffset end)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(events);
        for (var i = 0; i < span.Length; i += BatchSize)
        {
            var batch = span.Slice(i, Math.Min(BatchSize, span.Length - i));
            harness.ApplyBatch(batch, Workload.ProcessingTimeAfter(batch[^1]));
        }

        harness.AdvanceAll(end);
    }

    public static void RunRx(List<Telemetry> events, List<AlertKey> alerts)
    {
        using var source = new Subject<Telemetry>();
        using var subscription = RxPeer.Detect(source).Subscribe(alerts.Add);
        foreach (var e in events)
        {
            source.OnNext(e);
        }

        source.OnCompleted();
    }

    /// <summary>Multiset difference both ways, as readable lines (first 20).</summary>
    public static List<string> Compare(List<AlertKey> engine, List<AlertKey> peer)
    {
        engine.Sort();
        peer.Sort();
        var lines = new List<string>();
        int i = 0, j = 0;
        while ((i < engine.Count || j < peer.Count) && lines.Count < 20)
        {
            var c = i == engine.Count ? 1 : j == peer.Count ? -1 : engine[i].CompareTo(peer[j]);
            if (c == 0)
            {
                i++;
                j++;
            }
            else if (c < 0)
            {
                lines.Add("engine only: " + engine[i++]);
            }
            else
            {
                lines.Add("rx only:     " + peer[j++]);
            }
        }

        return lines;
    }

    /// <summary>
    /// Engine throughput on one thread: <paramref name="warmupRounds"/> untimed rounds bring every key to steady
    /// state (z-score warm-up done), then <paramref name="measuredRounds"/> rounds are timed batch by batch. Events are
    /// generated (and, with <paramref name="decode"/>, encoded to JSON) per batch outside the timed part; the timed part
    /// is decode (if asked) + group by key + <see cref="KeyEngine.Apply"/> + outbox drain.
    /// </summary>
    public static ApplyRun MeasureApply(int keys, int warmupRounds, int measuredRounds, bool decode, int chunks = 5, RuleSet? rules = null)
    {
        Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var workload = new Workload(keys);
        var harness = new EngineHarness(keys, rules is null ? null : RuleSetCompiler.Compile(rules, BenchRules.Environment));
        var decoder = new TelemetryDecoder();
        var cursor = new Workload.Cursor(workload, 0);
        var batch = new Telemetry[BatchSize];
        var raw = new RawEvent[BatchSize];
        var decoded = new Telemetry[BatchSize];

        int Next(int endRound, out DateTimeOffset processingTime)
        {
            var n = cursor.Fill(batch, endRound, out processingTime);
            if (decode)
            {
                for (var i = 0; i < n; i++)
                {
                    raw[i] = new RawEvent(TelemetryEncoder.ToJson(batch[i]), batch[i].Source);
                }
            }

            return n;
        }

        void Apply(int n, DateTimeOffset processingTime)
        {
            if (!decode)
            {
                harness.ApplyBatch(batch.AsSpan(0, n), processingTime);
                return;
            }

            var m = 0;
            for (var i = 0; i < n; i++)
            {
                if (decoder.TryDecode(raw[i], out var t, out _))
                {
                    decoded[m++] = t;
                }
            }

            harness.ApplyBatch(decoded.AsSpan(0, m), processingTime);
        }

        while (cursor.Round < warmupRounds)
        {
            var n = Next(warmupRounds, out var pt);
            Apply(n, pt);
        }

        Collect();
        var gc0 = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var pause0 = GC.GetTotalPauseDuration();
        long timed = 0, allocated = 0, events = 0, cpuNs = 0;
        var chunkRates = new List<double>();
        var alertsBefore = harness.Alerts;
        var end = warmupRounds + measuredRounds;
        var perChunk = Math.Max(1, measuredRounds / chunks);
        for (var chunkEnd = warmupRounds + perChunk; cursor.Round < end; chunkEnd = Math.Min(end, chunkEnd + perChunk))
        {
            long chunkTicks = 0, chunkEvents = 0;
            while (cursor.Round < chunkEnd)
            {
                var n = Next(chunkEnd, out var pt);
                var a0 = GC.GetAllocatedBytesForCurrentThread();
                var c0 = ThreadCpuTime.NowNanoseconds();
                var t0 = Stopwatch.GetTimestamp();
                Apply(n, pt);
                var t1 = Stopwatch.GetTimestamp();
                cpuNs += ThreadCpuTime.NowNanoseconds() - c0;
                allocated += GC.GetAllocatedBytesForCurrentThread() - a0;
                chunkTicks += t1 - t0;
                chunkEvents += n;
            }

            timed += chunkTicks;
            events += chunkEvents;
            chunkRates.Add(chunkEvents / ((double)chunkTicks / Stopwatch.Frequency));
        }

        var gc = (GC.CollectionCount(0) - gc0.Item1, GC.CollectionCount(1) - gc0.Item2, GC.CollectionCount(2) - gc0.Item3);
        var pause = (GC.GetTotalPauseDuration() - pause0).TotalSeconds;
        var seconds = (double)timed / Stopwatch.Frequency;

        // State size: the snapshot the processor would store, over all keys (a 10,000-key sample above that).
        long stateBytes = 0;
        var stateMax = 0;
        var sampled = 0;
        var step = Math.Max(1, harness.States.Count / 10_000);
        var index = 0;
        foreach (var state in harness.States.Values)
        {
            if (index++ % step != 0)
            {
                continue;
            }

            var size = KeyStateSerializer.Write(state).Length;
            stateBytes += size;
            stateMax = Math.Max(stateMax, size);
            sampled++;
        }

        batch.AsSpan().Clear();
        raw.AsSpan().Clear();
        decoded.AsSpan().Clear();
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(harness);
        chunkRates.Sort();
        return new ApplyRun(keys, events, events / seconds, chunkRates[chunkRates.Count / 2], cpuNs > 0 ? events / (cpuNs / 1e9) : double.NaN, (double)allocated / events,
            (double)stateBytes / sampled, stateMax, (double)(heapAfter - heapBefore) / keys, harness.Alerts - alertsBefore,
            gc.Item1, gc.Item2, gc.Item3, pause, seconds);
    }

    /// <summary>
    /// The partition processor with in-memory ports (state store, alert sink, dead letters): JSON bodies in batches of
    /// 512, as the Event Hubs trigger delivers them. An alert's latency is the time from its batch entering
    /// <see cref="PartitionProcessor.ProcessAsync(IReadOnlyList{RawEvent}, DateTimeOffset, CancellationToken)"/>
    /// to the sink receiving it (Stopwatch in the bench; the core never reads the clock).
    /// </summary>
    public static async Task<LatencyRun> MeasureLatencyAsync(int keys, int warmupRounds, int measuredRounds)
    {
        var workload = new Workload(keys);
        var sink = new TimingSink();
        using var processor = new PartitionProcessor(BenchRules.RuleSet, new MemoryStateStore(), sink, new MemoryDeadLetterStore(),
            new ProcessorOptions { Environment = BenchRules.Environment });
        var cursor = new Workload.Cursor(workload, 0);
        var batch = new Telemetry[BatchSize];

        RawEvent[] Next(int endRound, out DateTimeOffset processingTime)
        {
            var n = cursor.Fill(batch, endRound, out processingTime);
            var raw = new RawEvent[n];
            for (var i = 0; i < n; i++)
            {
                raw[i] = new RawEvent(TelemetryEncoder.ToJson(batch[i]), batch[i].Source);
            }

            return raw;
        }

        while (cursor.Round < warmupRounds)
        {
            var raw = Next(warmupRounds, out var pt);
            await processor.ProcessAsync(raw, pt).ConfigureAwait(false);
        }

        Collect();
        var pause0 = GC.GetTotalPauseDuration();
        var latencies = new List<double>();
        var batchTimes = new List<double>();
        long events = 0, busy = 0;
        var end = warmupRounds + measuredRounds;
        while (cursor.Round < end)
        {
            var raw = Next(end, out var pt);
            var first = sink.Received.Count;
            var submitted = Stopwatch.GetTimestamp();
            var result = await processor.ProcessAsync(raw, pt).ConfigureAwait(false);
            var done = Stopwatch.GetTimestamp();
            if (result.PublishError is not null || result.Dispositions.Malformed > 0)
            {
                throw new InvalidOperationException($"Latency run: unexpected batch result {result}.");
            }

            busy += done - submitted;
            events += raw.Length;
            batchTimes.Add(ToMicroseconds(done - submitted));
            for (var i = first; i < sink.Received.Count; i++)
            {
                latencies.Add(ToMicroseconds(sink.Received[i] - submitted));
            }
        }

        latencies.Sort();
        batchTimes.Sort();
        return new LatencyRun(keys, BatchSize, events, batchTimes.Count, latencies.Count,
            Percentile(latencies, 0.50), Percentile(latencies, 0.99), Percentile(latencies, 0.999), latencies.Count == 0 ? double.NaN : latencies[^1],
            Percentile(batchTimes, 0.50), Percentile(batchTimes, 0.99), events / ((double)busy / Stopwatch.Frequency),
            (GC.GetTotalPauseDuration() - pause0).TotalSeconds, (double)busy / Stopwatch.Frequency);
    }

    public static double Percentile(List<double> sorted, double q)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        // Nearest rank.
        var rank = (int)Math.Ceiling(q * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static double ToMicroseconds(long stopwatchTicks) => stopwatchTicks * 1_000_000.0 / Stopwatch.Frequency;

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>An alert sink that stamps each alert with the time it arrived.</summary>
    private sealed class TimingSink : IAlertSink
    {
        public List<long> Received { get; } = [];

        public Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
        {
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < alerts.Count; i++)
            {
                Received.Add(now);
            }

            return Task.CompletedTask;
        }
    }
}
