namespace Pipeline.Cli;

/// <summary>The simulated fleet of <c>run</c>, <c>demo</c> and <c>simulate</c>.</summary>
internal interface IFleetSettings
{
    int Devices { get; set; }

    int Seed { get; set; }

    TimeSpan Interval { get; set; }
}

internal static class FleetFlags
{
    /// <summary><c>--devices</c>, <c>--seed</c> and, with <paramref name="interval"/>, <c>--interval</c>.</summary>
    public static FlagTable<T> Fleet<T>(this FlagTable<T> flags, bool interval = true)
        where T : IFleetSettings, new()
    {
        flags.Int("--devices", "Simulated fleet size (default 24)", 1, 100_000, (s, v) => s.Devices = v)
            .Int("--seed", "Seed of the simulated fleet (default 42)", int.MinValue, int.MaxValue, (s, v) => s.Seed = v);
        return interval ? flags.Duration("--interval", "Time between two samples of one simulated device (default 10s)", (s, v) => s.Interval = v) : flags;
    }
}
