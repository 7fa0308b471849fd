using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Pipeline.Core.Alerts;

namespace Pipeline.Local;

/// <summary>Retry settings of a <see cref="WebhookAlertSink"/>.</summary>
public sealed record WebhookAlertSinkOptions
{
    /// <summary>Attempts per batch, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Wait before the second attempt; each later wait is <see cref="BackoffFactor"/> times longer.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public double BackoffFactor { get; init; } = 2;

    /// <summary>No single wait is longer than this, including one asked for with <c>Retry-After</c>.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one request may go unanswered before it counts as a failed attempt: a receiver that accepts the
    /// connection and never answers must not hold delivery for the HttpClient's default 100 seconds. The composition
    /// root sets it as the <see cref="HttpClient.Timeout"/> of the client it gives the sink (a wall-clock wait, so a
    /// test's fake clock driving the backoff does not also end requests in flight).
    /// </summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Delivers alerts to an HTTP endpoint as a CloudEvents batch: one <c>POST</c> per batch with a JSON array of
/// structured-mode events and <c>Content-Type: application/cloudevents-batch+json; charset=utf-8</c>.
/// Network errors, timeouts, 408, 429 and 5xx are retried with exponential backoff (waits go through the injected
/// <see cref="TimeProvider"/>, so tests control them); any other status, or failure after the last attempt, throws,
/// which leaves the alerts in the processor's outbox for the next batch or Sweep.
/// </summary>
public sealed class WebhookAlertSink : IAlertSink
{
    public const string BatchContentType = "application/cloudevents-batch+json";

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private long _attempts;

    /// <param name="httpClient">Owned by the caller (one per process, as usual for HttpClient).</param>
    public WebhookAlertSink(HttpClient httpClient, Uri endpoint, WebhookAlertSinkOptions? options = null, TimeProvider? timeProvider = null)
    {
        _http = httpClient ?? throw new ArgumentNullException(nameof(httpClient));
        Endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The webhook endpoint must be an absolute http or https URL, not '{endpoint}'.", nameof(endpoint));
        }

        Options = options ?? new WebhookAlertSinkOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxAttempts, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Options.AttemptTimeout, TimeSpan.Zero, nameof(options));
        _time = timeProvider ?? TimeProvider.System;
    }

    public Uri Endpoint { get; }

    public WebhookAlertSinkOptions Options { get; }

    /// <summary>Requests sent so far, retries included.</summary>
    public long Attempts => Interlocked.Read(ref _attempts);

    public async Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        if (alerts.Count == 0)
        {
            return;
        }

        var body = Serialize(alerts);
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            try
            {
                Interlocked.Increment(ref _attempts);
                using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(BatchContentType) { CharSet = "utf-8" };
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                var failure = $"{(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
                if (!IsTransient(response.StatusCode))
                {
                    // Sending the same batch again cannot turn a 400/401/404 into a success.
                    throw new HttpRequestException(
                        $"Webhook {Endpoint} rejected {alerts.Count} alert(s) with {failure}; not retried.", null, response.StatusCode);
                }

                retryAfter = RetryAfter(response);
                if (attempt >= Options.MaxAttempts)
                {
                    throw new HttpRequestException(
                        $"Webhook {Endpoint} answered {failure} to all {attempt} attempts for {alerts.Count} alert(s).", null, response.StatusCode);
                }
            }
            catch (HttpRequestException ex) when (ex.StatusCode is null && attempt < Options.MaxAttempts)
            {
                // Connection refused or reset, DNS: transient, try again after the backoff.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested && attempt < Options.MaxAttempts)
            {
                // HttpClient.Timeout (the attempt timeout) elapsed, the caller did not cancel: try again after the backoff.
            }
            catch (HttpRequestException ex) when (ex.StatusCode is null)
            {
                throw new HttpRequestException($"Webhook {Endpoint} unreachable after {attempt} attempts: {ex.Message}", ex);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new HttpRequestException($"Webhook {Endpoint} timed out on all {attempt} attempts.", ex);
            }

            await Task.Delay(DelayBefore(attempt + 1, retryAfter), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The wait before attempt <paramref name="attempt"/> (2 or more): InitialDelay × factor^(attempt − 2), capped.</summary>
    public TimeSpan DelayBefore(int attempt, TimeSpan? retryAfter = null)
    {
        var exponent = Math.Max(0, attempt - 2);
        var ticks = Options.InitialDelay.Ticks * Math.Pow(Options.BackoffFactor, exponent);
        var delay = ticks >= Options.MaxDelay.Ticks ? Options.MaxDelay : TimeSpan.FromTicks((long)ticks);
        if (retryAfter is { } asked && asked > delay)
        {
            delay = asked < Options.MaxDelay ? asked : Options.MaxDelay;
        }

        return delay;
    }

    /// <summary>The request body: a JSON array of structured-mode CloudEvents.</summary>
    public static byte[] Serialize(IReadOnlyList<AlertEvent> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var buffer = new ArrayBufferWriter<byte>(alerts.Count * 1024 + 2);
        using (var writer = new Utf8JsonWriter(buffer, AlertEvent.WriterOptions))
        {
            writer.WriteStartArray();
            foreach (var alert in alerts)
            {
                alert.WriteTo(writer);
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }
}
