using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Pipeline.Azure;
using Pipeline.Azurite;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;

namespace Pipeline.Bench;

/// <summary>
/// <c>storage --devices N [--json FILE]</c>: Table storage transactions per event in steady state. One
/// <see cref="PartitionProcessor"/> (as one Function App instance has) with the Table stores on a real Azurite started
/// like the tests start it; every HTTP request (each retry included) is counted by a pipeline policy on the client of
/// each store. Devices send one event every 10 s of event time (<see cref="Workload"/>); the fleet is split over
/// <c>--partitions</c> Event Hubs partitions by device index; each partition's events are delivered in batches of up to
/// <c>--batch</c> events, a batch closing when full or when its first event has waited <c>--max-wait</c> seconds (the
/// host's batching); the Sweep runs every <c>--sweep</c> seconds of processing time. Warm-up rounds (new keys, first
/// loads) are run but not counted. The dashboard's metric history is a <see cref="TableMetricHistory"/> flushed at every
/// Sweep tick (the interval its timer has in the Function App); <c>--metric-history memory</c> leaves it out (the runs before it existed).
/// <para>
/// Scaling down: only the first <c>--sample</c> partitions are simulated (default: as many as keep the sample at or
/// under 2,500 devices, at least one). Per-event costs depend on the batch composition (a partition's batch) and on
/// each device's event rate, which are the same in the sample as in the whole fleet; what the sample changes is the
/// per-Sweep-tick fixed cost, which it spreads over fewer events (so the sample over-states it).
/// </para>
/// </summary>
internal static class StorageBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string[] args)
    {
        var devices = 1_000;
        var partitions = 8;
        int? sample = null;
        var batchSize = 512;
        var maxWaitSeconds = 5;
        var sweepSeconds = 30;
        var warmupRounds = 18;
        var rounds = 12;
        string? jsonPath = null;
        var tableMetricHistory = true;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option '{args[i]}' needs a value");
            switch (args[i])
            {
                case "--devices": devices = int.Parse(Next(), Inv); break;
                case "--partitions": partitions = int.Parse(Next(), Inv); break;
                case "--sample": sample = int.Parse(Next(), Inv); break;
                case "--batch": batchSize = int.Parse(Next(), Inv); break;
                case "--max-wait": maxWaitSeconds = int.Parse(Next(), Inv); break;
                case "--sweep": sweepSeconds = int.Parse(Next(), Inv); break;
                case "--warmup-rounds": warmupRounds = int.Parse(Next(), Inv); break;
                case "--rounds": rounds = int.Parse(Next(), Inv); break;
                case "--json": jsonPath = Next(); break;
                case "--metric-history": tableMetricHistory = Next() switch
                    {
                        "tables" => true,
                        "memory" => false,
                        var other => throw new ArgumentException($"--metric-history '{other}' is not one of: tables, memory"),
                    };
                    break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'; usage: storage --devices N [--json FILE] [--partitions 8] [--sample K] [--batch 512] [--max-wait 5] [--sweep 30] [--warmup-rounds 18] [--rounds 12] [--metric-history tables|memory]");
                    return 2;
            }
        }

        var sampled = Math.Clamp(sample ?? (2_500 * partitions / devices), 1, partitions);
        var keys = Enumerable.Range(0, devices).Where(k => k % partitions < sampled).ToArray();
        Console.WriteLine($"storage: {devices} devices over {partitions} partitions, simulating {sampled} partition(s) = {keys.Length} devices; " +
            $"batches ≤ {batchSize} (max wait {maxWaitSeconds} s), Sweep every {sweepSeconds} s, {warmupRounds} warm-up + {rounds} measured rounds of 10 s");

        await using var azurite = await AzuriteProcess.StartAsync().ConfigureAwait(false);
        var counter = new RequestCounter();
        var stateStore = new TableStateStore(CreateClient(azurite.ConnectionString, counter, RequestCategory.State));
        var history = new TableAlertHistory(CreateClient(azurite.ConnectionString, counter, RequestCategory.History));
        var deadLetters = new TableDeadLetterStore(CreateClient(azurite.ConnectionString, counter, RequestCategory.DeadLetters));
        await stateStore.EnsureCreatedAsync().ConfigureAwait(false);
        await history.EnsureCreatedAsync().ConfigureAwait(false);
        await deadLetters.EnsureCreatedAsync().ConfigureAwait(false);
        Pipeline.Core.State.IMetricHistory? metricHistory = null;
        TableMetricHistory? tableHistory = null;
        if (tableMetricHistory)
        {
            // No timer of its own: the bench's processing time is simulated, so it flushes at the Sweep's ticks.
            tableHistory = new TableMetricHistory(CreateClient(azurite.ConnectionString, counter, RequestCategory.MetricHistory),
                new TableMetricHistoryOptions { FlushInterval = TimeSpan.Zero });
            await tableHistory.EnsureCreatedAsync().ConfigureAwait(false);
            metricHistory = tableHistory;
        }

        var sink = new CountingSink();
        using var processor = new PartitionProcessor(BenchRules.RuleSet, stateStore, sink, deadLetters,
            new ProcessorOptions { Environment = BenchRules.Environment, History = metricHistory }, history);
        var workload = new Workload(devices);

        var measuring = false;
        long eventsMeasured = 0;
        var sweepTicks = 0;
        long sweepKeys = 0;
        var conflicts = 0;
        var historyFlushes = 0;
        long historyRows = 0;
        var nextSweep = Workload.Start.AddSeconds(sweepSeconds);
        var pending = Enumerable.Range(0, sampled).Select(_ => new List<Telemetry>()).ToArray();
        var clock = Stopwatch.StartNew();

        async Task SweepUpToAsync(DateTimeOffset time)
        {
            while (nextSweep <= time)
            {
                var swept = await processor.SweepAsync(nextSweep).ConfigureAwait(false);
                if (measuring)
                {
                    sweepTicks++;
                    sweepKeys += swept.Keys;
                    conflicts += swept.Conflicts;
                }

                if (tableHistory is not null)
                {
                    var flushed = await tableHistory.FlushAsync().ConfigureAwait(false);
                    if (measuring)
                    {
                        historyFlushes++;
                        historyRows += flushed.Devices;
                    }
                }

                nextSweep = nextSweep.AddSeconds(sweepSeconds);
            }
        }

        async Task DeliverAsync(List<Telemetry> batch, DateTimeOffset processingTime)
        {
            await SweepUpToAsync(processingTime).ConfigureAwait(false);
            var result = await processor.ProcessAsync(batch, processingTime).ConfigureAwait(false);
            if (measuring)
            {
                eventsMeasured += batch.Count;
                conflicts += result.Conflicts;
            }
        }

        for (var round = 0; round < warmupRounds + rounds; round++)
        {
            if (round == warmupRounds)
            {
                counter.Reset();
                measuring = true;
            }

            // Workload puts key k at second k % 10 of its round: deliver second by second.
            for (var second = 0; second < Workload.RoundSeconds; second++)
            {
                var now = Workload.Start.AddSeconds((round * Workload.RoundSeconds) + second + 1);
                foreach (var key in keys)
                {
                    if (key % Workload.RoundSeconds == second && workload.Create(key, round) is { } e)
                    {
                        var queue = pending[key % partitions];
                        queue.Add(e);
                        if (queue.Count == batchSize)
                        {
                            await DeliverAsync([.. queue], now).ConfigureAwait(false);
                            queue.Clear();
                        }
                    }
                }

                foreach (var queue in pending)
                {
                    if (queue.Count > 0 && now - queue[0].Timestamp >= TimeSpan.FromSeconds(maxWaitSeconds))
                    {
                        await DeliverAsync([.. queue], now).ConfigureAwait(false);
                        queue.Clear();
                    }
                }
            }
        }

        var elapsed = clock.Elapsed;
        var counts = counter.Snapshot();
        double PerEvent(long n) => eventsMeasured == 0 ? double.NaN : (double)n / eventsMeasured;
        var total = counts.Values.Sum();
        var metrics = new List<(string Name, double Value)>
        {
            ("storage.devices", devices),
            ("storage.devicesSimulated", keys.Length),
            ("storage.eventsMeasured", eventsMeasured),
            ("storage.requests", total),
            ("storage.txPerEvent", PerEvent(total)),
            ("storage.txPerEvent.reads", PerEvent(counts[RequestCategory.Reads])),
            ("storage.txPerEvent.writes", PerEvent(counts[RequestCategory.Writes])),
            ("storage.txPerEvent.index", PerEvent(counts[RequestCategory.Index])),
            ("storage.txPerEvent.history", PerEvent(counts[RequestCategory.History])),
            ("storage.txPerEvent.deadLetters", PerEvent(counts[RequestCategory.DeadLetters])),
            ("storage.txPerEvent.metricHistory", PerEvent(counts[RequestCategory.MetricHistory])),
            ("storage.metricHistoryFlushes", historyFlushes),
            ("storage.metricHistoryRowsPerFlush", historyFlushes == 0 ? double.NaN : (double)historyRows / historyFlushes),
            ("storage.sweepTicks", sweepTicks),
            ("storage.sweepDueKeysPerTick", sweepTicks == 0 ? double.NaN : (double)sweepKeys / sweepTicks),
            ("storage.conflicts", conflicts),
            ("storage.alertsPublished", sink.Published),
            ("storage.wallSeconds", Math.Round(elapsed.TotalSeconds, 1)),
        };

        foreach (var (name, value) in metrics)
        {
            Console.WriteLine($"{name,-34} {value.ToString("0.####", Inv)}");
        }

        if (jsonPath is not null)
        {
            WriteJson(jsonPath, metrics, devices, partitions, sampled, batchSize, maxWaitSeconds, sweepSeconds, warmupRounds, rounds);
            Console.WriteLine($"wrote {jsonPath}");
        }

        return 0;
    }

    private static TableServiceClient CreateClient(string connectionString, RequestCounter counter, RequestCategory category)
    {
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(50);

        // Per retry: every attempt that reaches the service is a billed transaction.
        options.AddPolicy(new CountingPolicy(counter, category), HttpPipelinePosition.PerRetry);
        return new TableServiceClient(connectionString, options);
    }

    private static void WriteJson(string path, List<(string Name, double Value)> metrics, int devices, int partitions, int sampled,
        int batchSize, int maxWaitSeconds, int sweepSeconds, int warmupRounds, int rounds)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteStartObject("setup");
        w.WriteNumber("devices", devices);
        w.WriteNumber("partitions", partitions);
        w.WriteNumber("partitionsSimulated", sampled);
        w.WriteNumber("batchSize", batchSize);
        w.WriteNumber("maxWaitSeconds", maxWaitSeconds);
        w.WriteNumber("sweepSeconds", sweepSeconds);
        w.WriteNumber("warmupRounds", warmupRounds);
        w.WriteNumber("measuredRounds", rounds);
        w.WriteString("eventInterval", "10 s of event time per device");
        w.WriteString("storage", "Azurite (in memory), every HTTP request counted per attempt");
        w.WriteString("metricHistory", "tables, flushed at every Sweep tick (none with --metric-history memory)");
        w.WriteEndObject();
        w.WriteStartArray("metrics");
        foreach (var (name, value) in metrics)
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            if (double.IsNaN(value))
            {
                w.WriteNull("value");
            }
            else
            {
                w.WriteNumber("value", Math.Round(value, 5));
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Which store a client belongs to; the state store's requests are split into reads, writes and index.</summary>
    private enum RequestCategory
    {
        State,
        Reads,
        Writes,
        Index,
        History,
        DeadLetters,
        MetricHistory,
    }

    private sealed class RequestCounter
    {
        private readonly long[] _counts = new long[Enum.GetValues<RequestCategory>().Length];

        public void Add(RequestCategory category) => Interlocked.Increment(ref _counts[(int)category]);

        public void Reset()
        {
            for (var i = 0; i < _counts.Length; i++)
            {
                Interlocked.Exchange(ref _counts[i], 0);
            }
        }

        public Dictionary<RequestCategory, long> Snapshot() =>
            Enum.GetValues<RequestCategory>().Where(c => c != RequestCategory.State).ToDictionary(c => c, c => Interlocked.Read(ref _counts[(int)c]));
    }

    private sealed class CountingPolicy(RequestCounter counter, RequestCategory category) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            counter.Add(category == RequestCategory.State ? Classify(message.Request) : category);
        }

        /// <summary>
        /// The deadline index is whatever serves the Sweep: a separate index table, or a query on the deadline
        /// property of the state rows. Everything else that reads state is a read; the rest writes.
        /// </summary>
        private static RequestCategory Classify(Request request)
        {
            var uri = Uri.UnescapeDataString(request.Uri.ToString());
            if (uri.Contains("/deadlines", StringComparison.Ordinal) || uri.Contains("DeadlineTicks le", StringComparison.Ordinal))
            {
                return RequestCategory.Index;
            }

            return request.Method == RequestMethod.Get ? RequestCategory.Reads : RequestCategory.Writes;
        }
    }

    private sealed class CountingSink : Pipeline.Core.Alerts.IAlertSink
    {
        public long Published { get; private set; }

        public Task PublishAsync(IReadOnlyList<Pipeline.Core.Alerts.AlertEvent> alerts, CancellationToken cancellationToken = default)
        {
            Published += alerts.Count;
            return Task.CompletedTask;
        }
    }
}
