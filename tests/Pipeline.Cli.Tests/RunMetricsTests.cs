using System.Globalization;
using System.Net;
using System.Text;

namespace Pipeline.Cli.Tests;

/// <summary><c>run --metrics prometheus</c>: the text format served at /metrics on the loopback server, parsed.</summary>
public sealed class RunMetricsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private const string Rules = """
        rules:
          - id: hot
            metric: temperature
            when: "> 80"
            severity: critical
        """;

    private static string Event(string device, int minute, double temperature) =>
        $"{{\"deviceId\":\"{device}\",\"ts\":\"{T0.AddMinutes(minute):yyyy-MM-ddTHH:mm:ssZ}\",\"temperature\":{temperature.ToString(CultureInfo.InvariantCulture)}}}";

    /// <summary>The samples of a Prometheus text exposition: series (name and labels as written) to value; comments skipped.</summary>
    private static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            // "name{a="x",b="y"} value [timestamp]": the series ends at the last '}' or, without labels, at the first space.
            // The key is the name with its labels sorted, the scope's own labels left out: name{a="x",b="y"}.
            var end = line.LastIndexOf('}') is var brace and >= 0 ? brace + 1 : line.IndexOf(' ', StringComparison.Ordinal);
            var series = line[..end];
            var open = series.IndexOf('{', StringComparison.Ordinal);
            var name = open < 0 ? series : series[..open];
            var labels = open < 0 ? [] : series[(open + 1)..^1].Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Where(l => !l.StartsWith("otel_scope_", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
            samples[labels.Length == 0 ? name : name + "{" + string.Join(",", labels) + "}"] = double.Parse(line[end..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }

        return samples;
    }

    [Fact]
    public async Task Metrics_prometheus_serves_the_processing_counters_on_the_loopback_server()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("rules.yaml"), Rules);
        var time = new TimerSignallingTimeProvider(T0.AddMinutes(10));
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new CliContext { Time = time, HttpListening = uri => listening.TrySetResult(uri), TelemetryName = "Pipeline.Test." + Guid.NewGuid().ToString("N") };
        var run = CliRunner.RunAsync(context, ["run", "--source", "http", "--http-port", "0", "--rules", dir.File("rules.yaml"), "--sink", "jsonl",
            "--out", dir.File("alerts.jsonl"), "--dead-letters", dir.File("dead.jsonl"), "--metrics", "prometheus", "--for", "10s"]);
        if (await Task.WhenAny(listening.Task, run) == run)
        {
            Assert.Fail($"run ended before listening: {(await run).Stderr}");
        }

        var address = await listening.Task;
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(address.Host)));
        using var http = new HttpClient { BaseAddress = address };

        // Three good readings (one over the threshold) and one body that is not JSON.
        var body = string.Join("\n", Event("d1", 0, 70), Event("d1", 1, 85), Event("d2", 1, 60), "{not json");
        using var posted = await http.PostAsync("/telemetry", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode); // the bad line is named; the good ones count

        using var scrape = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.StartsWith("text/plain", scrape.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        var text = await scrape.Content.ReadAsStringAsync();
        var samples = Parse(text);

        // Counters get the unit and _total; the disposition is a label.
        Assert.Equal(3, samples["pipeline_events_total{pipeline_event_disposition=\"applied\"}"]);
        Assert.Equal(1, samples["pipeline_events_total{pipeline_event_disposition=\"malformed\"}"]);
        Assert.Contains("# TYPE pipeline_batch_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE pipeline_event_enqueued_lag_seconds histogram", text, StringComparison.Ordinal);

        // The http source submits the good records of a request as one batch of three, enqueued as they arrive; their
        // event times are 10, 9 and 9 minutes before the fake clock's now: 1680 s in all.
        Assert.Equal(1, samples["pipeline_batch_size_count"]);
        Assert.Equal(3, samples["pipeline_batch_size_sum"]);
        Assert.Equal(0, samples["pipeline_event_enqueued_lag_seconds_sum"]);
        Assert.Equal(1680, samples["pipeline_event_event_time_lag_seconds_sum"]);
        Assert.Equal(1, samples.Single(s => s.Key.StartsWith("pipeline_rules_active{pipeline_rules_version=", StringComparison.Ordinal)).Value);

        await time.DriveUntilDoneAsync(run);
        var result = await run;
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("  metrics: " + new Uri(address, "/metrics"), result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trace_without_an_otlp_endpoint_is_a_usage_error_naming_the_missing_flag()
    {
        var result = await CliRunner.RunAsync(["run", "--trace", "--for", "1s"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("pipeline: --trace needs --otlp-endpoint URL (where the spans go)" + Environment.NewLine, result.Stderr);
    }
}
