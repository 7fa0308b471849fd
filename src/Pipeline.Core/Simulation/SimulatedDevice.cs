namespace Pipeline.Core.Simulation;

/// <summary>A device of the simulated fleet. <see cref="DeviceType"/> and <see cref="Site"/> are sent as labels.</summary>
public sealed record SimulatedDevice(string Id, string DeviceType, string Site)
{
    public const string Chiller = "chiller";
    public const string Pump = "pump";
    public const string Sensor = "sensor";
}
