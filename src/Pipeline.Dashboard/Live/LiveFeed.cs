using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pipeline.Core.Alerts;
using Pipeline.Dashboard.Api;

namespace Pipeline.Dashboard.Live;

/// <summary>
/// The local server's live feed, Server-Sent Events at <c>GET /api/stream</c>: every delivered alert transition as it
/// happens (<c>event: alert</c>, the CloudEvent) and the health totals once per interval (<c>event: health</c>).
/// Publishing only hands the delivered batch to a bounded queue and never waits; the feed's own writer serializes each
/// alert once, off the delivering thread, and queues it for every subscriber. A subscriber that falls behind (or a
/// writer that does) is told to reload (<c>event: resync</c>) instead of slowing the pipeline down.
/// </summary>
public sealed class LiveFeed
{
    /// <summary>Messages one subscriber may have waiting before it is told to resync.</summary>
    public const int SubscriberCapacity = 1024;

    /// <summary>Delivered batches that may wait for the feed's writer before subscribers are told to resync.</summary>
    public const int PendingBatches = 256;

    private readonly Lock _lock = new();

    private readonly Channel<AlertEvent[]> _pending = Channel.CreateBounded<AlertEvent[]>(new BoundedChannelOptions(PendingBatches)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private readonly TimeProvider _time;
    private readonly TimeSpan _healthEvery;

    // Copied on change (a page opening or closing), so Publish reads it without a lock.
    private volatile Subscriber[] _subscribers = [];
    private Task? _writer;

    public LiveFeed(TimeProvider time, TimeSpan? healthEvery = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _healthEvery = healthEvery ?? TimeSpan.FromSeconds(1);
        if (_healthEvery <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(healthEvery), healthEvery, "The live feed's health interval must be longer than 0s.");
        }
    }

    public int Subscribers => _subscribers.Length;

    /// <summary>
    /// Hands delivered alert transitions to the feed's writer: with no page open, one read of the subscriber list; with
    /// pages open, a copy of the batch's references into a bounded queue. Serializing and writing happen elsewhere.
    /// </summary>
    public void Publish(IReadOnlyList<AlertEvent> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        if (alerts.Count == 0 || _subscribers.Length == 0)
        {
            return;
        }

        // A copy: the caller may reuse its list once delivery returns.
        if (!_pending.Writer.TryWrite([.. alerts]))
        {
            // The writer is behind: the pages will miss alerts, so they reload instead.
            foreach (var s in _subscribers)
            {
                s.Overflowed = true;
            }
        }
    }

    /// <summary>The feed's writer: serializes each delivered alert once and queues the message for every subscriber.</summary>
    private async Task WriteAlertsAsync()
    {
        await foreach (var batch in _pending.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var subscribers = _subscribers;
            if (subscribers.Length == 0)
            {
                continue;
            }

            foreach (var alert in batch)
            {
                var message = Frame("alert", alert.ToJsonBytes());
                foreach (var s in subscribers)
                {
                    if (!s.Messages.Writer.TryWrite(message))
                    {
                        s.Overflowed = true;
                    }
                }
            }
        }
    }

    /// <summary>Maps <c>GET /api/stream</c>.</summary>
    public void Map(IEndpointRouteBuilder app, IPipelineApiSource source)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(source);
        app.MapGet("/api/stream", context => StreamAsync(context, source));
    }

    private async Task StreamAsync(HttpContext context, IPipelineApiSource source)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var subscriber = new Subscriber();
        lock (_lock)
        {
            _subscribers = [.. _subscribers, subscriber];

            // Started by the first page, so a run nobody watches has no writer.
            _writer ??= Task.Run(WriteAlertsAsync);
        }

        var ct = context.RequestAborted;
        try
        {
            // The browser reconnects by itself after this long when the connection drops.
            await response.WriteAsync("retry: 2000\n\n", ct).ConfigureAwait(false);
            await WriteHealthAsync(response, source, ct).ConfigureAwait(false);
            using var timer = new PeriodicTimer(_healthEvery, _time);
            var tick = timer.WaitForNextTickAsync(ct).AsTask();
            while (!ct.IsCancellationRequested)
            {
                var ready = subscriber.Messages.Reader.WaitToReadAsync(ct).AsTask();
                var done = await Task.WhenAny(tick, ready).ConfigureAwait(false);
                if (done == tick)
                {
                    if (!await tick.ConfigureAwait(false))
                    {
                        break;
                    }

                    await WriteHealthAsync(response, source, ct).ConfigureAwait(false);
                    tick = timer.WaitForNextTickAsync(ct).AsTask();
                    continue;
                }

                if (!await ready.ConfigureAwait(false))
                {
                    break;
                }

                while (subscriber.Messages.Reader.TryRead(out var message))
                {
                    await response.Body.WriteAsync(message, ct).ConfigureAwait(false);
                }

                if (subscriber.Overflowed)
                {
                    subscriber.Overflowed = false;
                    await response.WriteAsync("event: resync\ndata: {}\n\n", ct).ConfigureAwait(false);
                }

                await response.Body.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The browser went away.
        }
        finally
        {
            lock (_lock)
            {
                _subscribers = [.. _subscribers.Where(s => s != subscriber)];
            }
        }
    }

    private static async Task WriteHealthAsync(HttpResponse response, IPipelineApiSource source, CancellationToken ct)
    {
        var health = source.GetHealth().Response;
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(health, PipelineApi.Json.HealthResponse);
        await response.Body.WriteAsync(Frame("health", json), ct).ConfigureAwait(false);
        await response.Body.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>One SSE message; the JSON is on one line, so one <c>data:</c> field holds it.</summary>
    private static byte[] Frame(string name, byte[] json)
    {
        var head = Encoding.UTF8.GetBytes($"event: {name}\ndata: ");
        var message = new byte[head.Length + json.Length + 2];
        head.CopyTo(message, 0);
        json.CopyTo(message, head.Length);
        message[^2] = (byte)'\n';
        message[^1] = (byte)'\n';
        return message;
    }

    private sealed class Subscriber
    {
        public Channel<byte[]> Messages { get; } = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(SubscriberCapacity)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        });

        private volatile bool _overflowed;

        public bool Overflowed
        {
            get => _overflowed;
            set => _overflowed = value;
        }
    }
}
