using System.Net;
using System.Text;
using Pipeline.Core.Events;
using Pipeline.Local;

namespace Pipeline.Local.Tests;

/// <summary><see cref="HttpTelemetrySender"/>: what <c>pipeline simulate --target</c> sends, and how it counts refusals.</summary>
public sealed class HttpTelemetrySenderTests
{
    private static readonly Uri Target = new("http://127.0.0.1:5080/telemetry");

    private static Telemetry Reading(string device, int second) =>
        new(device, new DateTimeOffset(2026, 1, 1, 0, 0, second, TimeSpan.Zero),
            new Dictionary<string, double>(StringComparer.Ordinal) { ["temperature"] = 20.5 }, null, SourcePosition.None);

    [Fact]
    public async Task Each_batch_is_one_NDJSON_request_and_a_refused_one_is_counted_and_told_with_its_answer()
    {
        var endpoint = new RecordingHandler(HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable);
        using var http = new HttpClient(endpoint);
        var told = new List<string>();
        var sender = new HttpTelemetrySender(http, Target, told.Add);

        await sender.SendAsync([Reading("d1", 0), Reading("d2", 0)], CancellationToken.None); // 200
        await sender.SendAsync([Reading("d1", 10)], CancellationToken.None);                  // 503

        Assert.Equal(
            [
                "application/x-ndjson; charset=utf-8\n"
                + """{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":20.5}""" + "\n"
                + """{"deviceId":"d2","ts":"2026-01-01T00:00:00Z","temperature":20.5}""" + "\n",
                "application/x-ndjson; charset=utf-8\n"
                + """{"deviceId":"d1","ts":"2026-01-01T00:00:10Z","temperature":20.5}""" + "\n",
            ],
            endpoint.Requests);
        Assert.Equal((2L, 1L, 2L, 1L), (sender.Sent, sender.Rejected, sender.Requests, sender.FailedRequests));
        Assert.Equal(["http://127.0.0.1:5080/telemetry answered 503: busy"], told);
    }

    [Fact]
    public async Task An_endpoint_that_cannot_be_reached_is_a_failed_request_not_an_exception()
    {
        using var http = new HttpClient(new UnreachableHandler());
        var told = new List<string>();
        var sender = new HttpTelemetrySender(http, Target, told.Add);

        await sender.SendAsync([Reading("d1", 0)], CancellationToken.None);

        Assert.Equal((0L, 0L, 1L, 1L), (sender.Sent, sender.Rejected, sender.Requests, sender.FailedRequests));
        Assert.Equal(["cannot send to http://127.0.0.1:5080/telemetry: connection refused"], told);
    }

    /// <summary>Answers each request with the next status (the error ones with the body <c>busy</c>) and keeps what it got.</summary>
    private sealed class RecordingHandler(params HttpStatusCode[] statuses) : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request.Content!.Headers.ContentType + "\n" + await request.Content.ReadAsStringAsync(cancellationToken));
            var status = statuses[Requests.Count - 1];
            return new HttpResponseMessage(status) { Content = new StringContent((int)status < 400 ? "{}" : "busy", Encoding.UTF8) };
        }
    }

    private sealed class UnreachableHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new HttpRequestException("connection refused");
    }
}
