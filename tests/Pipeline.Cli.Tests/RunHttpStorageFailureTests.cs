using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Pipeline.Azure;
using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.Engine;

namespace Pipeline.Cli.Tests;

/// <summary>
/// Issue 12, items 1 and 9, over real HTTP: <c>run --source http --state tables</c> on Azurite, with the table service
/// answering 503 "server busy" to the state write of one request. The client is told to send it again; the resend
/// counts each record once, and the storage details (request id, headers) reach the log, not the answer.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class RunHttpStorageFailureTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    /// <summary>The request id the busy table service answers with; it must appear in the log and nowhere in the answer.</summary>
    private const string RequestId = "5c3e9f1a-8b2d-4c7e-a061-3d9e7f2b4a18";

    // More than seven readings of d1 within the hour fire; five readings counted twice would be ten. The resend's readings are
    // older than the watermark the first copy set, so a lateness of an hour lets a double count reach the window.
    private const string Rules = """
        defaults: { outOfOrderTolerance: 5s, allowedLateness: 1h }
        rules:
          - id: chatty
            metric: temperature
            window: { kind: sliding, size: 1h }
            aggregate: count
            when: "> 7"
            severity: warning
        """;

    private static string FiveReadings() => string.Concat(Enumerable.Range(0, 5).Select(minute =>
        $"{{\"deviceId\":\"d1\",\"ts\":\"{T0.AddMinutes(minute):yyyy-MM-ddTHH:mm:ssZ}\",\"temperature\":20}}\n"));

    /// <summary>
    /// Azurite behind a switch: while <see cref="Busy"/>, every write (any request but a read) is answered the way a busy
    /// table service answers, with its request id in a header and in the error message.
    /// </summary>
    private sealed class BusyTableService() : DelegatingHandler(new HttpClientHandler())
    {
        private int _refused;

        public volatile bool Busy;

        public int Refused => Volatile.Read(ref _refused);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!Busy || request.Method == HttpMethod.Get)
            {
                return base.SendAsync(request, cancellationToken);
            }

            Interlocked.Increment(ref _refused);
            var error = """{"odata.error":{"code":"ServerBusy","message":{"lang":"en-US","value":"The server is busy.\nRequestId:"""
                + RequestId + """\nTime:2026-03-01T08:10:00.0000000Z"}}}""";
            var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
            {
                ReasonPhrase = "Server Busy",
                RequestMessage = request,
                Content = new StringContent(error, Encoding.UTF8, "application/json"),
            };
            response.Headers.Add("x-ms-request-id", RequestId);
            response.Headers.Add("x-ms-version", "2019-02-02");
            response.Headers.Add("x-ms-error-code", "ServerBusy");
            return Task.FromResult(response);
        }
    }

    private sealed record Started(Task<CliResult> Run, HttpClient Http, string Table);

    /// <summary>Starts <c>run</c> on Azurite through <paramref name="storage"/> and returns it with a client of its address.</summary>
    private async Task<Started> StartAsync(TempDir dir, TimerSignallingTimeProvider time, BusyTableService storage)
    {
        await File.WriteAllTextAsync(dir.File("rules.yaml"), Rules);
        var table = TestData.UniqueName("http503");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new CliContext { Time = time, StorageHandler = storage, HttpListening = uri => listening.TrySetResult(uri) };
        var run = CliRunner.RunAsync(context,
            ["run", "--source", "http", "--http-port", "0", "--rules", dir.File("rules.yaml"), "--state", "tables", "--tables-connection", azurite.ConnectionString,
             "--state-table", table, "--sink", "jsonl", "--out", dir.File("alerts.jsonl"), "--dead-letters", dir.File("dead.jsonl"), "--for", "10s"]);
        if (await Task.WhenAny(listening.Task, run) == run)
        {
            var failed = await run;
            Assert.Fail($"run ended before listening: exit {failed.ExitCode}: {failed.Stderr}");
        }

        return new Started(run, new HttpClient { BaseAddress = await listening.Task }, table);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string ndjson) =>
        http.PostAsync(new Uri("/telemetry", UriKind.Relative), new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson"));

    [AzuriteFact]
    public async Task A_request_answered_503_and_sent_again_counts_each_record_once_and_fires_nothing()
    {
        using var dir = new TempDir();
        using var storage = new BusyTableService();
        var time = new TimerSignallingTimeProvider(T0.AddMinutes(10));
        var started = await StartAsync(dir, time, storage);
        using var http = started.Http;

        storage.Busy = true;
        using var refused = await PostAsync(http, FiveReadings());     // the state write fails after the client's retries: 503
        storage.Busy = false;
        using var resent = await PostAsync(http, FiveReadings());      // the same request again, as the 503 asks

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.True(storage.Refused > 0);
        Assert.Equal(HttpStatusCode.OK, resent.StatusCode);
        Assert.Equal("""{"accepted":5,"rejected":0}""", await resent.Content.ReadAsStringAsync());

        // A later reading moves d1's watermark past the five (out-of-order tolerance 5 s): the rule counts its window.
        using var later = await http.PostAsync(new Uri("/telemetry", UriKind.Relative),
            new StringContent($"{{\"deviceId\":\"d1\",\"ts\":\"{T0.AddMinutes(6):yyyy-MM-ddTHH:mm:ssZ}\",\"temperature\":20}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal("""{"status":"healthy","accepted":6,"rejected":0,"partitions":1}""", await health.Content.ReadAsStringAsync());

        // The count rule has judged the five (the watermark is past them) and is not firing: its window holds at most 7.
        var device = await http.GetStringAsync(new Uri("/api/devices/d1", UriKind.Relative));
        using (var view = JsonDocument.Parse(device))
        {
            var chatty = Assert.Single(view.RootElement.GetProperty("alerts").EnumerateArray().ToList());
            Assert.Equal(("chatty", "Inactive"), (chatty.GetProperty("ruleId").GetString(), chatty.GetProperty("status").GetString()));
        }

        await time.DriveUntilDoneAsync(started.Run);
        var result = await started.Run;
        Assert.Equal(0, result.ExitCode);

        // The run's totals: six records in (the five and the later one), each applied once.
        Assert.Contains("  accounting    in 6 = applied 6 + duplicate 0 + late 0 + dead-lettered 0 + quarantined 0", result.Stdout, StringComparison.Ordinal);

        // The device's stored state counted each of the six readings once (a resend applied on top of the refused
        // request's effect would leave more).
        var state = new TableStateStore(new TableServiceClient(azurite.ConnectionString), started.Table);
        var stored = (await state.LoadAsync(["d1"]))["d1"];
        Assert.Equal(6, KeyStateSerializer.Read(stored.Snapshot.Span, "d1").EventCount);

        // A count of 5 is under the threshold of 7: no alert, where a double count (10) would have fired one.
        Assert.Contains("  alerts        0 delivered", result.Stdout, StringComparison.Ordinal);
        Assert.True(!File.Exists(dir.File("alerts.jsonl")) || new FileInfo(dir.File("alerts.jsonl")).Length == 0, "no alert was written");
    }

    [AzuriteFact]
    public async Task The_503_body_is_a_short_reason_without_the_storage_details_which_are_logged()
    {
        using var dir = new TempDir();
        using var storage = new BusyTableService();
        var time = new TimerSignallingTimeProvider(T0.AddMinutes(10));
        var started = await StartAsync(dir, time, storage);
        using var http = started.Http;

        storage.Busy = true;
        using var refused = await PostAsync(http, FiveReadings());
        storage.Busy = false;
        var body = await refused.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json; charset=utf-8", refused.Content.Headers.ContentType!.ToString());
        using (var problem = JsonDocument.Parse(body))
        {
            var root = problem.RootElement;
            Assert.Equal("urn:pipeline:problem:processing-failed", root.GetProperty("type").GetString());
            Assert.Equal(503, root.GetProperty("status").GetInt32());
            Assert.Equal("Processing failed (The server is busy.); send the request again.", root.GetProperty("detail").GetString());
        }

        // None of the storage details: not the request id, no header name, no exception text.
        Assert.DoesNotContain(RequestId, body, StringComparison.Ordinal);
        Assert.DoesNotContain("x-ms-", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Headers", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain("ErrorCode", body, StringComparison.Ordinal);
        Assert.True(body.Length < 300, $"a short answer, got {body.Length} characters: {body}");

        await time.DriveUntilDoneAsync(started.Run);
        var result = await started.Run;
        Assert.Equal(0, result.ExitCode);

        // The details are in the log: the failure line, the exception type and the request id the service sent.
        Assert.Contains("pipeline: an HTTP ingest request failed and was answered 503: Azure.RequestFailedException: The server is busy.", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(RequestId, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("x-ms-request-id", result.Stderr, StringComparison.Ordinal);
    }
}
