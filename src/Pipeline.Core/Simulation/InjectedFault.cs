using Pipeline.Core.Time;

namespace Pipeline.Core.Simulation;

public enum FaultKind
{
    /// <summary>A chiller's temperature ramps above 85 °C, stays there for minutes, then recovers.</summary>
    Overheat,

    /// <summary>A device reports exactly the same pressure for 15 minutes.</summary>
    StuckPressure,

    /// <summary>A device sends nothing for 5 minutes, then resumes.</summary>
    Silent,

    /// <summary>Three samples of vibration at 10× normal.</summary>
    VibrationSpike,

    /// <summary>Pressure climbs 25 bar at 2.5 bar/s, holds, and falls back at the same rate.</summary>
    PressureRamp,
}

/// <summary>One fault the simulator injects: which device, when (event time) and what the data shows.</summary>
public sealed record InjectedFault(FaultKind Kind, string DeviceId, TimeInterval Window, string Description);
