using System.Net;
using System.Text;
using System.Text.Json;
using Pipeline.Core.Alerts;
using Pipeline.Core.State;
using Pipeline.Local;

namespace Pipeline.Cli.Tests;

/// <summary><c>run --source http</c> end to end: real Kestrel on a free loopback port, a fake clock for processing time and <c>--for</c>.</summary>
public sealed class RunHttpTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    // No window, no `for`: each event is judged on its own; hysteresis between 75 and 80.
    private const string Rules = """
        rules:
          - id: hot
            metric: temperature
            when: "> 80"
            clear: "< 75"
            severity: critical
        """;

    private static string Event(string device, int minute, double temperature) =>
        $"{{\"deviceId\":\"{device}\",\"ts\":\"{T0.AddMinutes(minute):yyyy-MM-ddTHH:mm:ssZ}\",\"temperature\":{temperature.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}";

    private static StringContent Body(string text, string contentType) => new(text, Encoding.UTF8, contentType);

    /// <summary>Starts <c>run</c> and returns it with the address it listens on (the CLI reports it through the context hook).</summary>
    private static async Task<(Task<CliResult> Run, Uri Address)> StartAsync(TimerSignallingTimeProvider time, params string[] args)
    {
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new Pipeline.Cli.CliContext { Time = time, HttpListening = uri => listening.TrySetResult(uri) };
        var run = CliRunner.RunAsync(context, ["run", "--source", "http", "--http-port", "0", .. args]);
        if (await Task.WhenAny(listening.Task, run) == run)
        {
            var failed = await run;
            Assert.Fail($"run ended before listening: exit {failed.ExitCode}: {failed.Stderr}");
        }

        return (run, await listening.Task);
    }

    [Fact]
    public async Task Accepts_good_telemetry_rejects_bad_with_the_right_codes_and_the_alerts_reach_the_jsonl_sink()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("rules.yaml"), Rules);
        var alertsPath = dir.File("alerts.jsonl");
        var deadLetterPath = dir.File("dead.jsonl");

        // Processing time is ten minutes after the events, so none is ahead of its arrival.
        var time = new TimerSignallingTimeProvider(T0.AddMinutes(10));
        var (run, address) = await StartAsync(time, "--rules", dir.File("rules.yaml"), "--sink", "jsonl", "--out", alertsPath,
            "--dead-letters", deadLetterPath, "--http-max-body", "1000", "--for", "10s");
        using var http = new HttpClient { BaseAddress = address };

        // NDJSON, all good.
        using var ndjson = await http.PostAsync("/telemetry", Body(Event("d1", 0, 70) + "\n" + Event("d1", 1, 85) + "\n", "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, ndjson.StatusCode);
        Assert.Equal("""{"accepted":2,"rejected":0}""", await ndjson.Content.ReadAsStringAsync());

        // An array with a bad record in the middle: 400 naming index 1, and the two good records still count.
        var missingId = """{"ts":"2026-03-01T08:02:30Z","temperature":99}""";
        using var array = await http.PostAsync("/telemetry", Body($"[{Event("d1", 2, 86)},{missingId},{Event("d1", 3, 70)}]", "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, array.StatusCode);
        Assert.Equal("application/problem+json; charset=utf-8", array.Content.Headers.ContentType!.ToString());
        using (var problem = JsonDocument.Parse(await array.Content.ReadAsStringAsync()))
        {
            var root = problem.RootElement;
            Assert.Equal(400, root.GetProperty("status").GetInt32());
            Assert.Equal(2, root.GetProperty("accepted").GetInt32());
            Assert.Equal(1, root.GetProperty("rejected").GetInt32());
            var error = Assert.Single(root.GetProperty("errors").EnumerateArray().ToList());
            Assert.Equal(1, error.GetProperty("index").GetInt32());
            Assert.Equal("MissingDeviceId", error.GetProperty("error").GetString());
            Assert.StartsWith("Record 1 (line 1) is not valid telemetry: ", root.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // One object that is not even JSON: 400, index 0.
        var broken = """{"deviceId":"d2","ts":""";
        using var single = await http.PostAsync("/telemetry", Body(broken, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, single.StatusCode);
        using (var problem = JsonDocument.Parse(await single.Content.ReadAsStringAsync()))
        {
            var error = Assert.Single(problem.RootElement.GetProperty("errors").EnumerateArray().ToList());
            Assert.Equal(0, error.GetProperty("index").GetInt32());
            Assert.Equal("NotJson", error.GetProperty("error").GetString());
        }

        // Wrong content type: 415. Over the 1000-byte limit: 413. Neither is accepted or dead-lettered.
        using var text = await http.PostAsync("/telemetry", Body(Event("d3", 0, 1), "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Equal("application/problem+json; charset=utf-8", text.Content.Headers.ContentType!.ToString());
        var large = string.Join("\n", Enumerable.Range(0, 20).Select(i => Event("d4", i, 20)));
        Assert.True(Encoding.UTF8.GetByteCount(large) > 1000);
        using var tooLarge = await http.PostAsync("/telemetry", Body(large, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);

        using var health = await http.GetAsync("/health");
        Assert.Equal("""{"status":"healthy","accepted":4,"rejected":2,"partitions":1}""", await health.Content.ReadAsStringAsync());

        // Let --for elapse on the fake clock; the last event is released once the key has been idle for the 5 s tolerance.
        await time.DriveUntilDoneAsync(run);
        var result = await run;
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Stderr);

        // d1: 70 (clear), 85 at 08:01 (fires), 86 (still firing), 70 at 08:03 (below 75: resolves).
        var alerts = await JsonLinesAlertSink.ReadAllAsync(alertsPath);
        Assert.Equal(2, alerts.Count);
        Assert.Equal((AlertTransitionKind.Fired, "d1", "hot", T0.AddMinutes(1), 85.0, 1L),
            (alerts[0].Kind, alerts[0].Data.Key, alerts[0].Data.RuleId, alerts[0].Time, alerts[0].Data.Value!.Value, alerts[0].Data.Sequence));
        Assert.Equal((AlertTransitionKind.Resolved, "d1", T0.AddMinutes(3), 2L), (alerts[1].Kind, alerts[1].Data.Key, alerts[1].Time, alerts[1].Data.Sequence));
        Assert.Equal(alerts[0].Data.EpisodeId, alerts[1].Data.EpisodeId);

        // The two bad records are kept with their raw text and reason.
        var letters = await ReadDeadLettersAsync(deadLetterPath);
        Assert.Equal(2, letters.Count);
        Assert.Equal(missingId, Encoding.UTF8.GetString(letters[0].Body.Span));
        Assert.StartsWith("MissingDeviceId", letters[0].Detail, StringComparison.Ordinal);
        Assert.Equal(broken, Encoding.UTF8.GetString(letters[1].Body.Span));
        Assert.StartsWith("NotJson", letters[1].Detail, StringComparison.Ordinal);
        Assert.All(letters, l => Assert.Equal(("http", DeadLetterReason.Malformed), (l.Source.Partition, l.Reason)));

        Assert.Contains("  events        6 in ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  alerts        2 delivered: 1 fired, 1 resolved,", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  dead letters  2: 2 malformed, 0 future-dated, 0 late", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  accounting    in 6 = applied 4 + duplicate 0 + late 0 + dead-lettered 2 + quarantined 0", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_receiver_failures_are_retried_and_nothing_is_lost_or_repeated()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("rules.yaml"), Rules);
        var alertsPath = dir.File("alerts.jsonl");

        // Three failures: the delivery loop's first round uses both webhook attempts and fails, its retry after 1 s fails
        // once more, then succeeds with both alerts in one batch.
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 3);
        var time = new TimerSignallingTimeProvider(T0.AddMinutes(10));
        var (run, address) = await StartAsync(time, "--rules", dir.File("rules.yaml"), "--sink", "webhook,jsonl", "--out", alertsPath,
            "--webhook-url", receiver.Url.ToString(), "--webhook-attempts", "2", "--webhook-backoff", "0s",
            "--dead-letters", dir.File("dead.jsonl"), "--for", "10s");
        using var http = new HttpClient { BaseAddress = address };

        var body = string.Join("\n", Event("d1", 0, 70), Event("d1", 1, 85), Event("d1", 2, 86), Event("d1", 3, 70));
        using var response = await http.PostAsync("/telemetry", Body(body, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await time.DriveUntilDoneAsync(run);
        var result = await run;
        Assert.Equal(0, result.ExitCode);

        var statuses = receiver.Requests.Select(r => r.Status).ToList();
        Assert.Equal([503, 503, 503, 200], statuses);
        var delivered = receiver.Accepted
            .SelectMany(b => JsonDocument.Parse(b).RootElement.EnumerateArray().Select(e => (Id: e.GetProperty("id").GetString()!, Type: e.GetProperty("type").GetString()!)))
            .ToList();
        Assert.Equal(["Pipeline.Alert.Fired", "Pipeline.Alert.Resolved"], delivered.Select(d => d.Type));

        // The file sink took each alert once, although the webhook needed the fired one four times.
        var inFile = await JsonLinesAlertSink.ReadAllAsync(alertsPath);
        Assert.Equal(delivered.Select(d => d.Id), inFile.Select(a => a.Id));
        Assert.Contains("pipeline: alert delivery failed, alerts kept in the outbox and retried:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("pipeline: alert delivery works again", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_over_the_records_limit_is_413_naming_the_limit_and_nothing_in_it_counts()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("rules.yaml"), Rules);
        var time = new TimerSignallingTimeProvider(T0.AddMinutes(10));
        var (run, address) = await StartAsync(time, "--rules", dir.File("rules.yaml"), "--sink", "jsonl", "--out", dir.File("alerts.jsonl"),
            "--dead-letters", dir.File("dead.jsonl"), "--http-max-records", "3", "--for", "10s");
        using var http = new HttpClient { BaseAddress = address };

        using var tooMany = await http.PostAsync("/telemetry", Body(string.Join("\n", Enumerable.Range(0, 4).Select(i => Event("d1", i, 70))), "application/x-ndjson"));
        using var atTheLimit = await http.PostAsync("/telemetry", Body(string.Join("\n", Enumerable.Range(0, 3).Select(i => Event("d2", i, 70))), "application/x-ndjson"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooMany.StatusCode);
        using (var problem = JsonDocument.Parse(await tooMany.Content.ReadAsStringAsync()))
        {
            Assert.Equal("urn:pipeline:problem:too-many-records", problem.RootElement.GetProperty("type").GetString());
            Assert.Contains("4 records; at most 3", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(3, problem.RootElement.GetProperty("maxRecords").GetInt32());
        }

        Assert.Equal(HttpStatusCode.OK, atTheLimit.StatusCode);
        await time.DriveUntilDoneAsync(run);
        var result = await run;
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("in 3 = applied 3", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_answers_while_the_webhook_receiver_holds_a_delivery_without_answering()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("rules.yaml"), Rules);
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 0, silent: true);
        var time = new TimerSignallingTimeProvider(T0.AddMinutes(10));
        var (run, address) = await StartAsync(time, "--rules", dir.File("rules.yaml"), "--sink", "webhook", "--webhook-url", receiver.Url.ToString(),
            "--webhook-attempts", "1", "--dead-letters", dir.File("dead.jsonl"), "--for", "10s");
        using var http = new HttpClient { BaseAddress = address };

        // 85 fires; the reading a minute later moves d1's watermark past it (out-of-order tolerance), so it fires now.
        using var first = await http.PostAsync("/telemetry", Body(Event("d1", 0, 85) + "\n" + Event("d1", 1, 86), "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await receiver.Arrived.Task.WaitAsync(TimeSpan.FromSeconds(60));                                        // the delivery is held
        using var second = await http.PostAsync("/telemetry", Body(Event("d2", 0, 70), "application/x-ndjson"));  // intake goes on

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Empty(receiver.Requests);                                                                       // still no answer given
        await receiver.DisposeAsync();                                                                         // the receiver goes away
        await time.DriveUntilDoneAsync(run);
        var result = await run;
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("in 3 = applied 3", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 alert(s) still in outboxes", result.Stdout, StringComparison.Ordinal);
    }

    private static async Task<List<DeadLetter>> ReadDeadLettersAsync(string path)
    {
        var letters = new List<DeadLetter>();
        await foreach (var letter in JsonLinesDeadLetterStore.ReadFileAsync(path))
        {
            letters.Add(letter);
        }

        return letters;
    }
}
