using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Core.Alerts;
using Pipeline.Local;
using static Pipeline.Local.Tests.Samples;

namespace Pipeline.Local.Tests;

public sealed class WebhookAlertSinkTests
{
    private static readonly WebhookAlertSinkOptions NoWait = new() { MaxAttempts = 4, InitialDelay = TimeSpan.Zero };

    [Fact]
    public async Task Posts_a_CloudEvents_batch_array()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 0);
        using var http = new HttpClient();
        var sink = new WebhookAlertSink(http, receiver.Url, NoWait);

        await sink.PublishAsync([Alert("a1"), Alert("a2", AlertTransitionKind.Resolved)]);

        var request = Assert.Single(receiver.Requests);
        Assert.Equal(200, request.Status);
        Assert.Equal("application/cloudevents-batch+json; charset=utf-8", request.ContentType);
        using var json = JsonDocument.Parse(request.Body);
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        Assert.Equal(["a1", "a2"], json.RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.All(json.RootElement.EnumerateArray(), e => Assert.Equal("1.0", e.GetProperty("specversion").GetString()));
    }

    [Fact]
    public async Task Receiver_failures_are_retried_until_accepted_and_nothing_is_lost()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 2);
        using var http = new HttpClient();
        var sink = new WebhookAlertSink(http, receiver.Url, NoWait);

        await sink.PublishAsync([Alert("a1"), Alert("a2")]);

        Assert.Equal([503, 503, 200], receiver.Requests.Select(r => r.Status));
        Assert.Equal(3, sink.Attempts);
        var accepted = Assert.Single(receiver.Accepted);
        using var json = JsonDocument.Parse(accepted);
        Assert.Equal(["a1", "a2"], json.RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Failing_after_the_last_attempt_throws_so_the_outbox_keeps_the_alerts()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 10);
        using var http = new HttpClient();
        var sink = new WebhookAlertSink(http, receiver.Url, NoWait);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => sink.PublishAsync([Alert("a1")]));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(4, receiver.Requests.Count);
    }

    [Fact]
    public async Task A_permanent_rejection_is_not_retried()
    {
        var handler = new ScriptedHandler(HttpStatusCode.BadRequest);
        using var http = new HttpClient(handler);
        var sink = new WebhookAlertSink(http, new Uri("http://127.0.0.1:9/hook"), NoWait);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => sink.PublishAsync([Alert("a1")]));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task Backoff_waits_grow_exponentially_on_the_injected_clock()
    {
        // 503, 503, 503, 200 with InitialDelay 500 ms and factor 2: waits of 500 ms, 1 s and 2 s between attempts.
        var handler = new ScriptedHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);
        using var http = new HttpClient(handler);
        var time = new TimerSignallingTimeProvider();
        var sink = new WebhookAlertSink(http, new Uri("http://127.0.0.1:9/hook"),
            new WebhookAlertSinkOptions { MaxAttempts = 5, InitialDelay = TimeSpan.FromMilliseconds(500), BackoffFactor = 2 }, time);

        var publish = sink.PublishAsync([Alert("a1")]);

        foreach (var expected in new[] { 500, 1000, 2000 })
        {
            var due = await time.NextTimerAsync();
            Assert.Equal(TimeSpan.FromMilliseconds(expected), due);
            Assert.False(publish.IsCompleted);
            time.Advance(due);
        }

        await publish;
        Assert.Equal(4, handler.Calls);
    }

    [Fact]
    public void A_Retry_After_longer_than_the_backoff_is_honoured_up_to_the_cap()
    {
        using var http = new HttpClient();
        var sink = new WebhookAlertSink(http, new Uri("http://127.0.0.1:9/hook"),
            new WebhookAlertSinkOptions { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(30) });

        Assert.Equal(TimeSpan.FromSeconds(1), sink.DelayBefore(2));
        Assert.Equal(TimeSpan.FromSeconds(8), sink.DelayBefore(5));
        Assert.Equal(TimeSpan.FromSeconds(30), sink.DelayBefore(12));
        Assert.Equal(TimeSpan.FromSeconds(7), sink.DelayBefore(2, retryAfter: TimeSpan.FromSeconds(7)));
        Assert.Equal(TimeSpan.FromSeconds(30), sink.DelayBefore(2, retryAfter: TimeSpan.FromMinutes(5)));
    }

    /// <summary>Answers with the given statuses in turn (the last one repeats).</summary>
    [Fact]
    public async Task A_receiver_that_never_answers_fails_the_attempt_at_the_client_timeout()
    {
        // The composition root gives the sink a client whose Timeout is the attempt timeout (PipelineComponentsFactory).
        using var silent = new SilentHandler();
        using var http = new HttpClient(silent, disposeHandler: false) { Timeout = TimeSpan.FromMilliseconds(200) };
        var sink = new WebhookAlertSink(http, new Uri("http://127.0.0.1:9/hook"), new WebhookAlertSinkOptions { MaxAttempts = 1 });

        var publish = sink.PublishAsync([Alert("a1")]);
        await silent.Arrived.Task;                  // the request is out; no answer will come

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => publish);
        Assert.Contains("timed out", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Accepts the request and never answers, like a receiver stuck in its own work.</summary>
    private sealed class SilentHandler : HttpMessageHandler
    {
        public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Arrived.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable: the delay above only ends by cancellation");
        }
    }

    private sealed class ScriptedHandler(params HttpStatusCode[] statuses) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref _calls);
            return Task.FromResult(new HttpResponseMessage(statuses[Math.Min(n, statuses.Length) - 1]));
        }
    }
}
