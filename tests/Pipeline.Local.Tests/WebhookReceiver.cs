using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Pipeline.Local.Tests;

/// <summary>
/// A CloudEvents webhook endpoint on a free loopback port (real Kestrel) that answers 503 to the first
/// <c>failFirst</c> requests and 200 afterwards, and records every request.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<(int Status, string ContentType, string Body)> Requests { get; } = new();

    /// <summary>Bodies of the requests answered 200, in arrival order.</summary>
    public IEnumerable<string> Accepted => Requests.Where(r => r.Status == 200).Select(r => r.Body);

    public Uri Url { get; private set; } = null!;

    /// <summary>Set when the first request has arrived (with <c>silent</c>, it is being held unanswered).</summary>
    public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;

    /// <param name="silent">Hold every request without an answer until the receiver is disposed (then 503).</param>
    public static async Task<WebhookReceiver> StartAsync(int failFirst, bool silent = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            receiver.Arrived.TrySetResult();
            if (silent)
            {
                using var held = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, receiver._stopping.Token);
                await Task.Delay(Timeout.Infinite, held.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                receiver.Requests.Enqueue((503, context.Request.ContentType ?? string.Empty, body));
                context.Response.StatusCode = 503;
                return;
            }

            var n = Interlocked.Increment(ref receiver._requests);
            var status = n <= failFirst ? 503 : 200;
            receiver.Requests.Enqueue((status, context.Request.ContentType ?? string.Empty, body));
            context.Response.StatusCode = status;
        });
        await app.StartAsync();
        var address = app.Urls.First();
        receiver.Url = new Uri(address.TrimEnd('/') + "/hook");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        // A test may stop the receiver early (a receiver that goes away) and dispose it again on the way out.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _app.StopAsync();
        _stopping.Dispose();
        await _app.DisposeAsync();
    }
}
