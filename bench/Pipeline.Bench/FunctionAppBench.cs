using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Core.Events;

namespace Pipeline.Bench;

/// <summary>Function App handler numbers: start-up to the first answered <c>GET /</c>, and Ingest server time.</summary>
internal sealed record FunctionAppRun(
    int StartRuns,
    double StartMedianMs,
    double StartMinMs,
    double StartMaxMs,
    int Keys,
    int Invocations,
    double IngestServerP50Ms,
    double IngestServerP99Ms,
    double IngestRoundTripP50Ms);

/// <summary>
/// Runs the published custom handler (<c>dotnet publish functions/Pipeline.Functions -c Release -r linux-x64 -o out/functions</c>)
/// the way the Functions host does: <c>FUNCTIONS_CUSTOMHANDLER_PORT</c> set, in-memory state, alerts and dead letters,
/// the benchmark rules. Start-up is process start to the first answer of <c>GET /</c> (any status). Ingest posts
/// 512-event invocations in the host's format (<c>Data.events</c> a JSON string of body strings, metadata arrays as
/// JSON strings); the server time is the one the handler reports in its <c>Logs</c> line, the round trip is measured
/// here over loopback. Every process started here is stopped here, by its own handle.
/// </summary>
internal static partial class FunctionAppBench
{
    public static async Task<FunctionAppRun> MeasureAsync(string handler, int startRuns, int keys, int warmupRounds, int measuredRounds)
    {
        var rulesFile = Path.Combine(Path.GetTempPath(), $"pipeline-bench-rules-{Environment.ProcessId}.yaml");
        await File.WriteAllTextAsync(rulesFile, BenchRules.Yaml).ConfigureAwait(false);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var starts = new List<double>();
            for (var i = 0; i < startRuns; i++)
            {
                var port = FreePort();
                var sw = Stopwatch.StartNew();
                using var process = Start(handler, port, rulesFile);
                try
                {
                    await WaitForAnswerAsync(http, $"http://127.0.0.1:{port}/", process, anyStatus: true).ConfigureAwait(false);
                    starts.Add(sw.Elapsed.TotalMilliseconds);
                }
                finally
                {
                    Stop(process);
                }
            }

            var ingestPort = FreePort();
            using var server = Start(handler, ingestPort, rulesFile);
            try
            {
                await WaitForAnswerAsync(http, $"http://127.0.0.1:{ingestPort}/api/health", server, anyStatus: false).ConfigureAwait(false);
                var (serverMs, roundTripMs) = await IngestAsync(http, ingestPort, keys, warmupRounds, measuredRounds).ConfigureAwait(false);
                starts.Sort();
                serverMs.Sort();
                roundTripMs.Sort();
                return new FunctionAppRun(starts.Count, Measurements.Percentile(starts, 0.5), starts[0], starts[^1], keys, serverMs.Count,
                    Measurements.Percentile(serverMs, 0.5), Measurements.Percentile(serverMs, 0.99), Measurements.Percentile(roundTripMs, 0.5));
            }
            finally
            {
                Stop(server);
            }
        }
        finally
        {
            File.Delete(rulesFile);
        }
    }

    private static async Task<(List<double> Server, List<double> RoundTrip)> IngestAsync(HttpClient http, int port, int keys, int warmupRounds, int measuredRounds)
    {
        var workload = new Workload(keys);
        var cursor = new Workload.Cursor(workload, 0);
        var batch = new Telemetry[Measurements.BatchSize];
        var server = new List<double>();
        var roundTrip = new List<double>();
        var url = new Uri($"http://127.0.0.1:{port}/Ingest");
        var end = warmupRounds + measuredRounds;
        while (cursor.Round < end)
        {
            var measured = cursor.Round >= warmupRounds;
            var n = cursor.Fill(batch, end, out var processingTime);
            var body = Payload(batch.AsSpan(0, n), processingTime);
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            var sw = Stopwatch.StartNew();
            using var response = await http.PostAsync(url, content).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            sw.Stop();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"Ingest answered {(int)response.StatusCode}: {text}");
            }

            if (!measured)
            {
                continue;
            }

            roundTrip.Add(sw.Elapsed.TotalMilliseconds);
            using var doc = JsonDocument.Parse(text);
            var log = doc.RootElement.GetProperty("Logs")[0].GetString() ?? string.Empty;
            var match = ServerTime().Match(log);
            if (!match.Success)
            {
                throw new InvalidOperationException($"Ingest log line has no time: {log}");
            }

            server.Add(double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
        }

        return (server, roundTrip);
    }

    /// <summary>What the Functions host posts for an Event Hubs trigger with cardinality many and dataType string.</summary>
    internal static byte[] Payload(ReadOnlySpan<Telemetry> events, DateTimeOffset processingTime)
    {
        static string JsonArray(Action<Utf8JsonWriter> write)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartArray();
                write(w);
                w.WriteEndArray();
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }

        var list = events.ToArray();
        var bodies = JsonArray(w => Array.ForEach(list, e => w.WriteStringValue(Encoding.UTF8.GetString(TelemetryEncoder.ToJson(e)))));
        var sequences = JsonArray(w => Array.ForEach(list, e => w.WriteNumberValue(e.Source.SequenceNumber)));
        var offsets = JsonArray(w => Array.ForEach(list, e => w.WriteStringValue((e.Source.SequenceNumber * 256).ToString(CultureInfo.InvariantCulture))));
        var keys = JsonArray(w => Array.ForEach(list, e => w.WriteStringValue(e.Key)));
        var enqueued = JsonArray(w => Array.ForEach(list, e => w.WriteStringValue(e.Source.EnqueuedTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture))));
        var properties = JsonArray(w => Array.ForEach(list, _ =>
        {
            w.WriteStartObject();
            w.WriteEndObject();
        }));
        var system = JsonArray(w => Array.ForEach(list, e =>
        {
            w.WriteStartObject();
            w.WriteNumber("x-opt-sequence-number", e.Source.SequenceNumber);
            w.WriteString("x-opt-partition-key", e.Key);
            w.WriteEndObject();
        }));

        var output = new System.Buffers.ArrayBufferWriter<byte>(256 * 1024);
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteStartObject("Data");
            w.WriteString("events", bodies);
            w.WriteEndObject();
            w.WriteStartObject("Metadata");
            w.WriteStartObject("PartitionContext");
            w.WriteString("FullyQualifiedNamespace", "evhns-bench.servicebus.windows.net");
            w.WriteString("EventHubName", "telemetry");
            w.WriteString("ConsumerGroup", "pipeline");
            w.WriteString("PartitionId", Workload.Partition);
            w.WriteEndObject();
            w.WriteString("PartitionKeyArray", keys);
            w.WriteString("OffsetArray", offsets);
            w.WriteString("SequenceNumberArray", sequences);
            w.WriteString("EnqueuedTimeUtcArray", enqueued);
            w.WriteString("PropertiesArray", properties);
            w.WriteString("SystemPropertiesArray", system);
            w.WriteStartObject("sys");
            w.WriteString("MethodName", "Ingest");
            w.WriteString("UtcNow", processingTime.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            w.WriteString("RandGuid", Guid.NewGuid().ToString());
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    private static Process Start(string handler, int port, string rulesFile)
    {
        var info = new ProcessStartInfo(handler)
        {
            WorkingDirectory = Path.GetDirectoryName(handler)!,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        info.Environment["Pipeline__Environment"] = BenchRules.Environment;
        info.Environment["Pipeline__State__Kind"] = "memory";
        info.Environment["Pipeline__Alerts__Kind"] = "memory";
        info.Environment["Pipeline__DeadLetters__Kind"] = "memory";
        info.Environment["Pipeline__Rules__Kind"] = "file";
        info.Environment["Pipeline__Rules__Path"] = rulesFile;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {handler}.");

        // Drain the output so a chatty handler never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitForAnswerAsync(HttpClient http, string url, Process process, bool anyStatus)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The handler exited with code {process.ExitCode} before answering {url}.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(url)).ConfigureAwait(false);
                if (anyStatus || response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(anyStatus ? 1 : 20).ConfigureAwait(false);
        }

        throw new TimeoutException($"The handler did not answer {url} within 30 s.");
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [GeneratedRegex(@"; ([0-9]+(?:\.[0-9]+)?) ms")]
    private static partial Regex ServerTime();
}
