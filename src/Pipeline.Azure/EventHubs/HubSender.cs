using System.Buffers;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Pipeline.Core.Events;

namespace Pipeline.Azure.EventHubs;

/// <summary>How <see cref="HubSender"/> retries a batch the hub refused because it was busy (throttling).</summary>
public sealed record HubSendOptions
{
    /// <summary>Attempts per batch, the first included.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>Wait before the second attempt; it doubles for each further attempt up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>What one <see cref="HubSender.SendAsync"/> did.</summary>
public readonly record struct HubSendResult(long Sent, long Failed, int Batches, int Retries)
{
    /// <summary>Events sent per second over <paramref name="elapsed"/>, taken as at least one second so a first report is not inflated.</summary>
    public double SentPerSecond(TimeSpan elapsed) => Sent / Math.Max(1, elapsed.TotalSeconds);

    public static HubSendResult operator +(HubSendResult a, HubSendResult b) =>
        new(a.Sent + b.Sent, a.Failed + b.Failed, a.Batches + b.Batches, a.Retries + b.Retries);
}

/// <summary>
/// Sends event bodies to a hub with their partition key (the device id, so one device's events stay in order on one
/// partition): one <see cref="EventDataBatch"/> per key, split when full. A batch the hub refuses as busy
/// (<see cref="EventHubsException.FailureReason.ServiceBusy"/>, its throttling answer) is sent again after a doubling
/// wait on the injected <see cref="TimeProvider"/>; other failures (a missing role, an unknown hub) are not retried here.
/// </summary>
public sealed class HubSender(EventHubProducerClient producer, TimeProvider time, HubSendOptions? options = null)
{
    private readonly HubSendOptions _options = options ?? new HubSendOptions();

    /// <summary>What every send of this sender did, added up.</summary>
    public HubSendResult Total { get; private set; }

    /// <summary>Telemetry sent as JSON bodies with the device id as partition key, so one device's events stay in order.</summary>
    public Task<HubSendResult> SendAsync(IReadOnlyList<Telemetry> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var bodies = new List<(string, ReadOnlyMemory<byte>)>(events.Count);
        foreach (var e in events)
        {
            var body = new ArrayBufferWriter<byte>(256);
            TelemetryEncoder.Write(body, e);
            bodies.Add((e.Key, body.WrittenMemory));
        }

        return SendAsync(bodies, cancellationToken);
    }

    public async Task<HubSendResult> SendAsync(IReadOnlyList<(string PartitionKey, ReadOnlyMemory<byte> Body)> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var result = default(HubSendResult);
        foreach (var group in events.GroupBy(e => e.PartitionKey, StringComparer.Ordinal))
        {
            var batchOptions = new CreateBatchOptions { PartitionKey = group.Key };
            var batch = await producer.CreateBatchAsync(batchOptions, cancellationToken).ConfigureAwait(false);
            try
            {
                foreach (var (_, body) in group)
                {
                    if (batch.TryAdd(new EventData(body)))
                    {
                        continue;
                    }

                    if (batch.Count == 0)
                    {
                        // Larger than an empty batch allows: the hub would refuse it however often it is sent.
                        result += new HubSendResult(0, 1, 0, 0);
                        continue;
                    }

                    result += await SendWithRetryAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch.Dispose();
                    batch = await producer.CreateBatchAsync(batchOptions, cancellationToken).ConfigureAwait(false);
                    if (!batch.TryAdd(new EventData(body)))
                    {
                        result += new HubSendResult(0, 1, 0, 0);
                    }
                }

                if (batch.Count > 0)
                {
                    result += await SendWithRetryAsync(batch, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                batch.Dispose();
            }
        }

        Total += result;
        return result;
    }

    private async Task<HubSendResult> SendWithRetryAsync(EventDataBatch batch, CancellationToken cancellationToken)
    {
        var delay = _options.FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await producer.SendAsync(batch, cancellationToken).ConfigureAwait(false);
                return new HubSendResult(batch.Count, 0, 1, attempt - 1);
            }
            catch (EventHubsException ex) when (ex.Reason == EventHubsException.FailureReason.ServiceBusy)
            {
                if (attempt >= _options.MaxAttempts)
                {
                    return new HubSendResult(0, batch.Count, 1, attempt - 1);
                }
            }

            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxDelay.Ticks));
        }
    }
}
