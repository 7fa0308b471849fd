namespace Pipeline.Core.Events;

/// <summary>
/// One event as Event Hubs delivers it, reduced to what the engine needs, and the one mapping from it to a
/// <see cref="RawEvent"/>: the Function App's invocation parser and the command line's hub reader both go through here.
/// </summary>
/// <param name="Body">The event body, undecoded.</param>
/// <param name="Partition">The hub partition the event was read from.</param>
/// <param name="SequenceNumber">The event's sequence number in that partition.</param>
/// <param name="EnqueuedTime">When the hub accepted the event.</param>
/// <param name="ConnectionDeviceId">IoT Hub's <c>iothub-connection-device-id</c> system property, when routed through IoT Hub.</param>
public readonly record struct HubRecord(ReadOnlyMemory<byte> Body, string Partition, long SequenceNumber, DateTimeOffset EnqueuedTime,
    string? ConnectionDeviceId = null)
{
    /// <summary>The system property IoT Hub stamps on every device-to-cloud message: the authenticated device's id.</summary>
    public const string IotHubDeviceIdProperty = "iothub-connection-device-id";

    /// <summary>
    /// The raw event. The connection's device id travels as the decoder's hint: it names the device of a body without
    /// <c>deviceId</c>, and, being authenticated by IoT Hub, it also wins over an id the body claims.
    /// </summary>
    public RawEvent ToRawEvent() =>
        new(Body, new SourcePosition(Partition, SequenceNumber, EnqueuedTime), string.IsNullOrWhiteSpace(ConnectionDeviceId) ? null : ConnectionDeviceId);

    /// <summary>IoT Hub's device id among an event's system properties, or null when absent, empty or not a string.</summary>
    public static string? ConnectionDeviceIdOf(IReadOnlyDictionary<string, object>? systemProperties) =>
        systemProperties is not null && systemProperties.TryGetValue(IotHubDeviceIdProperty, out var value)
            && value is string { Length: > 0 } id && !string.IsNullOrWhiteSpace(id)
            ? id
            : null;
}
