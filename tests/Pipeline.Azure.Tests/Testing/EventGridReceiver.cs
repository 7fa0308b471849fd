using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Messaging.EventGrid;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Alerts;

namespace Pipeline.Azure.Tests.Testing;

/// <summary>What the receiver does with a request.</summary>
public enum ReceiverMode
{
    Accept,
    Fail500,

    /// <summary>Never answers; the request ends when the client gives up.</summary>
    Hang,
}

/// <summary>One request as the receiver saw it.</summary>
public sealed record ReceivedRequest(string Path, string Query, string? ContentType, string? Authorization, byte[] Body, int Status);

/// <summary>
/// A local HTTPS endpoint standing in for an Event Grid topic. The SDK's bearer-token policy refuses plain http, so the
/// receiver serves a self-signed certificate made per instance, and only clients from <see cref="ClientOptions"/> trust
/// it (by thumbprint, nothing else).
/// </summary>
public sealed class EventGridReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private int _requestCount;

    private EventGridReceiver(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        _certificate = certificate;
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>How to answer the n-th request (0-based); accept by default.</summary>
    public Func<int, ReceiverMode> Mode { get; set; } = _ => ReceiverMode.Accept;

    public IReadOnlyList<ReceivedRequest> Requests => _requests.ToArray();

    public static async Task<EventGridReceiver> StartAsync()
    {
        var certificate = CreateCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 4 * 1024 * 1024;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate));
        });
        var app = builder.Build();
        var receiver = new EventGridReceiver(app, certificate);
        app.MapPost("/api/events", receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Endpoint = new Uri(new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)), "/api/events");
        return receiver;
    }

    /// <summary>Client options that trust this receiver's certificate only, with the given retry budget.</summary>
    public EventGridPublisherClientOptions ClientOptions(int maxRetries = 0, TimeSpan? networkTimeout = null)
    {
        var thumbprint = _certificate.Thumbprint;
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == thumbprint,
        };
        var options = new EventGridPublisherClientOptions { Transport = new HttpClientTransport(handler) };
        options.Retry.Mode = RetryMode.Fixed;
        options.Retry.MaxRetries = maxRetries;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.NetworkTimeout = networkTimeout ?? TimeSpan.FromSeconds(30);
        return options;
    }

    /// <summary>Every CloudEvent of every accepted request, in arrival order, read back as alerts.</summary>
    public IReadOnlyList<AlertEvent> DeliveredAlerts() =>
        Requests.Where(r => r.Status == 200).SelectMany(r => Elements(r.Body)).Select(e => AlertEvent.Parse(JsonSerializer.SerializeToUtf8Bytes(e))).ToList();

    public static IReadOnlyList<JsonElement> Elements(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var index = Interlocked.Increment(ref _requestCount) - 1;
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var mode = Mode(index);
        var status = mode switch
        {
            ReceiverMode.Accept => 200,
            ReceiverMode.Fail500 => 500,
            _ => 0,
        };
        _requests.Enqueue(new ReceivedRequest(
            context.Request.Path, context.Request.QueryString.Value ?? string.Empty, context.Request.ContentType,
            context.Request.Headers.Authorization.ToString(), body.ToArray(), status));

        if (mode == ReceiverMode.Hang)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, linked.Token);
            }
            catch (OperationCanceledException)
            {
                // The client timed out or the receiver is stopping.
            }

            return;
        }

        context.Response.StatusCode = status;
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddHours(1));

        // Re-imported so the private key is usable by the TLS stack on every OS.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }
}
