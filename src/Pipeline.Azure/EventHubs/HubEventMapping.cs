using Azure.Messaging.EventHubs;
using Pipeline.Core.Events;

namespace Pipeline.Azure.EventHubs;

/// <summary>An SDK <see cref="EventData"/> as the Core <see cref="HubRecord"/>, whose mapping to a raw event is shared with the Function App.</summary>
public static class HubEventMapping
{
    public static HubRecord ToHubRecord(string partition, EventData data)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(data);
        return new HubRecord(data.EventBody.ToMemory(), partition, data.SequenceNumber, data.EnqueuedTime,
            HubRecord.ConnectionDeviceIdOf(data.SystemProperties));
    }

    public static RawEvent ToRawEvent(string partition, EventData data) => ToHubRecord(partition, data).ToRawEvent();
}
