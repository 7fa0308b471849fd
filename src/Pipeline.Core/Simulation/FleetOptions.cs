namespace Pipeline.Core.Simulation;

/// <summary>Parameters of a simulated fleet run. The start time is an argument: the simulator never reads a clock.</summary>
public sealed record FleetOptions
{
    /// <summary>
    /// The parameters of <c>samples/telemetry.jsonl</c>: 6 devices (sensor-01, chiller-02, pump-03, sensor-04,
    /// chiller-05, chiller-17), one event per device every 10 s for 60 minutes from 2026-01-01T00:00:00Z, seed 42.
    /// A test regenerates the file from these and fails if the committed file differs.
    /// </summary>
    public static FleetOptions Sample { get; } = new()
    {
        Devices = 6,
        Interval = TimeSpan.FromSeconds(10),
        Seed = 42,
        Start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        Duration = TimeSpan.FromMinutes(60),
    };

    /// <summary>Event time of the first sample.</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>Number of devices (1 to 100,000). From 4 devices up the fleet includes chiller-17.</summary>
    public int Devices { get; init; } = 24;

    /// <summary>Time between two samples of one device.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Seed of the <see cref="Random"/> that makes the noise: the same seed gives the same events.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Length of the run in event time; null runs forever (the fault schedule repeats every hour).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>
    /// The time between two samples of one device: <paramref name="devices"/> / <paramref name="rate"/> (at least one
    /// tick) when a rate in events per second over the whole fleet is given (above 0), else <paramref name="interval"/>;
    /// null when that is not longer than zero, which no fleet can send at.
    /// </summary>
    public static TimeSpan? SampleInterval(TimeSpan interval, int devices, int rate)
    {
        var chosen = rate > 0 ? TimeSpan.FromTicks(Math.Max(1, (long)(TimeSpan.TicksPerSecond * (double)devices / rate))) : interval;
        return chosen > TimeSpan.Zero ? chosen : null;
    }
}
