using System.Text.Json;
using Azure.Core;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Pipeline.Core.Alerts;

namespace Pipeline.Azure;

/// <summary>
/// <see cref="IAlertSink"/> that publishes alert CloudEvents to an Event Grid topic (CloudEvents 1.0 input schema),
/// in batches of at most <see cref="MaxEventsPerBatch"/> events and <see cref="MaxBatchBytes"/> serialized bytes.
/// Any failure throws, so the caller's outbox keeps the alerts and retries them (ids are stable: consumers deduplicate).
/// </summary>
public sealed class EventGridAlertSink : IAlertSink
{
    /// <summary>Event Grid's limit on events per publish request.</summary>
    public const int MaxEventsPerBatch = 5_000;

    /// <summary>Event Grid accepts 1 MB per request; counted in decimal bytes to keep a margin under 1 MiB.</summary>
    public const int MaxBatchBytes = 1_000_000;

    private readonly EventGridPublisherClient _client;

    public EventGridAlertSink(EventGridPublisherClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
    }

    /// <summary>A sink for <paramref name="topicEndpoint"/> (e.g. <c>https://{topic}.{region}-1.eventgrid.azure.net/api/events</c>).</summary>
    public EventGridAlertSink(Uri topicEndpoint, TokenCredential credential, EventGridPublisherClientOptions? options = null)
        : this(new EventGridPublisherClient(topicEndpoint, credential, options ?? CreateClientOptions()))
    {
    }

    /// <summary>Production defaults: exponential retries (5) for 408/429/5xx and network failures, 30 s per attempt.</summary>
    public static EventGridPublisherClientOptions CreateClientOptions()
    {
        var options = new EventGridPublisherClientOptions();
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 5;
        options.Retry.Delay = TimeSpan.FromMilliseconds(500);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(10);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        return options;
    }

    public async Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        foreach (var batch in Batch(alerts.Select(ToCloudEvent)))
        {
            await _client.SendEventsAsync(batch, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The alert as an Azure CloudEvent whose <c>data</c> is the alert's JSON object (not base64).</summary>
    public static CloudEvent ToCloudEvent(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        using var document = JsonDocument.Parse(alert.ToJsonBytes());
        var data = BinaryData.FromString(document.RootElement.GetProperty("data").GetRawText());
        return new CloudEvent(alert.Source, alert.Type, data, AlertEvent.DataContentType, CloudEventDataFormat.Json)
        {
            Id = alert.Id,
            Subject = alert.Subject,
            Time = alert.Time,
        };
    }

    /// <summary>Splits events into request-sized batches, measuring each event as the client will serialize it.</summary>
    public static IEnumerable<List<CloudEvent>> Batch(IEnumerable<CloudEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var batch = new List<CloudEvent>();
        long batchBytes = 2; // "[" and "]"
        foreach (var cloudEvent in events)
        {
            var size = SerializedSize(cloudEvent) + 1; // its "," separator
            if (size + 2 > MaxBatchBytes)
            {
                throw new InvalidOperationException($"Alert {cloudEvent.Id} serializes to {size} bytes, more than one Event Grid request may carry.");
            }

            if (batch.Count == MaxEventsPerBatch || batchBytes + size > MaxBatchBytes)
            {
                yield return batch;
                batch = [];
                batchBytes = 2;
            }

            batch.Add(cloudEvent);
            batchBytes += size;
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    /// <summary>
    /// The bytes this event takes in the request body. The client's serializer is internal to the SDK, so the same
    /// members are written the same way here (default escaping, time as a JSON date, data as a JSON value); a test compares
    /// this with the bytes the client actually sends.
    /// </summary>
    internal static int SerializedSize(CloudEvent cloudEvent)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", cloudEvent.Id);
            writer.WriteString("source", cloudEvent.Source);
            if (cloudEvent.Data is { } data)
            {
                writer.WritePropertyName("data");
                using var document = JsonDocument.Parse(data);
                document.RootElement.WriteTo(writer);
            }

            writer.WriteString("type", cloudEvent.Type);
            if (cloudEvent.Time is { } time)
            {
                // As a date value (not text): ISO 8601 with trailing zero fractions dropped and '+' unescaped, as the client writes it.
                writer.WriteString("time", time);
            }

            writer.WriteString("specversion", "1.0");
            writer.WriteString("datacontenttype", cloudEvent.DataContentType);
            writer.WriteString("subject", cloudEvent.Subject);
            writer.WriteEndObject();
        }

        return buffer.WrittenCount;
    }
}
