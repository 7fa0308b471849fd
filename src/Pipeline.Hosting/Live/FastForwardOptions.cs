namespace Pipeline.Hosting.Live;

/// <summary>
/// What a fast-forwarded run (<see cref="FastForwardRun"/>) simulates, how it sweeps and whether its dashboard is served
/// afterwards, beyond the ports <see cref="PipelineOptions"/> describe. <see cref="Validate"/> names every wrong setting.
/// </summary>
public sealed class FastForwardOptions
{
    /// <summary>The start of the simulated time when none is given: a fixed instant, so the same seed gives the same bytes.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Simulated time of the first sample, and the run's processing time at its start.</summary>
    public DateTimeOffset Start { get; set; } = DefaultStart;

    /// <summary>Simulated time to run; the default hour holds every injected fault once.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>Simulated fleet size.</summary>
    public int Devices { get; set; } = 24;

    /// <summary>Seed of the simulated fleet: the same seed gives the same samples.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Time between two samples of one simulated device.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Virtual partitions (one processor each, keys routed by hash); they run one after another, so alerts keep their order.</summary>
    public int Partitions { get; set; } = 1;

    /// <summary>Simulated time between two sweeps (idle keys advance, failed deliveries are retried).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether the run records what its dashboard shows, so that <see cref="FastForwardRun.ServeAsync"/> can serve it afterwards.</summary>
    public bool Serve { get; set; }

    /// <summary>Port on 127.0.0.1 of the dashboard and its Api with <see cref="Serve"/>; 0 picks a free one.</summary>
    public int HttpPort { get; set; } = 5080;

    /// <summary>Every wrong setting, each naming its property; empty when the options can be used.</summary>
    public IReadOnlyList<SettingProblem> Validate()
    {
        var problems = new List<SettingProblem>();
        void Add(string setting, string message) => problems.Add(new SettingProblem(setting, $"{setting} {message}"));
        if (Duration <= TimeSpan.Zero)
        {
            Add(nameof(Duration), $"must be longer than 0s, got {Duration}.");
        }

        if (Devices < 1)
        {
            Add(nameof(Devices), $"must be at least 1 device, got {Devices}.");
        }

        if (Interval <= TimeSpan.Zero)
        {
            Add(nameof(Interval), $"must be longer than 0s, got {Interval}.");
        }

        if (Partitions < 1)
        {
            Add(nameof(Partitions), $"must be at least 1, got {Partitions}.");
        }

        if (SweepInterval <= TimeSpan.Zero)
        {
            Add(nameof(SweepInterval), $"must be longer than 0s, got {SweepInterval}.");
        }

        if (HttpPort is < 0 or > 65535)
        {
            Add(nameof(HttpPort), $"must be a port from 0 (any free one) to 65535, got {HttpPort}.");
        }

        return problems;
    }

    /// <summary>Throws every problem of <see cref="Validate"/>, each naming its setting.</summary>
    public void ThrowIfInvalid() => SettingProblem.ThrowIfAny(Validate());
}
