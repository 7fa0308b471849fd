using System.Globalization;
using Azure.Messaging.EventHubs.Consumer;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.State;

namespace Pipeline.Azure.EventHubs;

/// <summary>
/// Feeds an in-process run from a hub: every partition read through the consumer group, each batch decoded (IoT Hub's
/// device id stands in for a body without one) and handed to the processor; positions are saved after each batch.
/// </summary>
public static class HubFeed
{
    /// <summary>Where a first start begins: <c>earliest</c>, <c>latest</c> or an enqueued time; null for anything else.</summary>
    public static EventPosition? ParseFirstStart(string from) => from switch
    {
        "earliest" => EventPosition.Earliest,
        "latest" => EventPosition.Latest,
        _ when DateTimeOffset.TryParse(from, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            => EventPosition.FromEnqueuedTime(time),
        _ => null,
    };

    /// <param name="now">Processing time of each batch (the run's clock).</param>
    public static async Task ReadAsync(HubConnection hub, string consumerGroup, EventPosition firstStart, IPositionStore positions,
        PartitionedProcessor ingress, Func<DateTimeOffset> now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(ingress);
        ArgumentNullException.ThrowIfNull(now);
        var consumer = hub.CreateConsumer(consumerGroup);
        await using var consumerScope = consumer.ConfigureAwait(false);
        var stream = HubReader.StreamName(hub.Namespace ?? "emulator", hub.Hub, consumerGroup);
        var reader = new HubReader(consumer, positions, stream, firstStart);
        var decoder = new TelemetryDecoder();
        var decoderLock = new Lock();
        await reader.ReadAsync(async (partition, events, ct) =>
        {
            var good = new List<Telemetry>(events.Count);
            var bad = new List<(ReadOnlyMemory<byte>, DecodeFailure)>();
            lock (decoderLock)
            {
                foreach (var raw in events)
                {
                    if (decoder.TryDecode(raw, out var telemetry, out var failure))
                    {
                        good.Add(telemetry);
                    }
                    else
                    {
                        // The hub position in the reason lets the event be found again in the hub.
                        bad.Add((raw.Body, failure with { Detail = string.Create(CultureInfo.InvariantCulture,
                            $"partition {partition} sequence number {raw.Source.SequenceNumber}: {failure.Detail}") }));
                    }
                }
            }

            await ingress.RejectAsync("eventhubs:" + partition, bad, now(), ct).ConfigureAwait(false);
            await ingress.SubmitAsync(good, now(), ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }
}
