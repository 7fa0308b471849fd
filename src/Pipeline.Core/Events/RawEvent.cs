namespace Pipeline.Core.Events;

/// <summary>
/// An undecoded event body as the transport delivered it. <paramref name="DeviceIdHint"/> carries a device id
/// the transport knows (IoT Hub's <c>iothub-connection-device-id</c> system property) for bodies without one.
/// </summary>
public readonly record struct RawEvent(ReadOnlyMemory<byte> Body, SourcePosition Source, string? DeviceIdHint = null);
