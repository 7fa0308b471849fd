using Pipeline.Azure.EventHubs;
using Pipeline.Hosting.Ingest;

namespace Pipeline.Hosting.Live;

/// <summary>Where a live run's telemetry comes from; several at once.</summary>
[Flags]
public enum LiveSources
{
    None = 0,

    /// <summary>The simulated fleet, one sample per device every <see cref="LiveRunOptions.Interval"/>, in real time.</summary>
    Simulated = 1,

    /// <summary><c>POST /telemetry</c> on the local server.</summary>
    Http = 2,

    /// <summary>A JSON Lines file the shell opened (<see cref="LiveRunContext.File"/>).</summary>
    File = 4,

    /// <summary>Standard input, JSON Lines (<see cref="LiveRunContext.OpenStdin"/>).</summary>
    Stdin = 8,

    /// <summary>An event hub read through a consumer group, its positions saved beside the state.</summary>
    EventHubs = 16,
}

/// <summary>One wrong setting of a run's options (<see cref="LiveRunOptions"/>, <see cref="FastForwardOptions"/>): the property's name and what is wrong, in words that name it.</summary>
public sealed record SettingProblem(string Setting, string Message)
{
    /// <summary>Throws every problem, each naming its setting, in one message; nothing when there is none.</summary>
    /// <exception cref="InvalidOperationException">There is at least one problem.</exception>
    public static void ThrowIfAny(IReadOnlyList<SettingProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", problems.Select(p => p.Message)));
        }
    }
}

/// <summary>
/// What a live run (<see cref="LiveRun"/>) reads, serves and how it paces itself, beyond the ports
/// <see cref="PipelineOptions"/> describe. <see cref="Validate"/> names every wrong setting.
/// </summary>
public sealed class LiveRunOptions
{
    public LiveSources Sources { get; set; } = LiveSources.Simulated;

    /// <summary>Virtual partitions (one processor each, keys routed by hash); more than one run in parallel.</summary>
    public int Partitions { get; set; } = 1;

    /// <summary>Port on 127.0.0.1 of the dashboard, its Api and (with <see cref="LiveSources.Http"/>) the HTTP ingest; 0 picks a free one.</summary>
    public int HttpPort { get; set; } = 5080;

    /// <summary>Largest HTTP ingest request body; larger ones are answered 413.</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Most records one HTTP ingest request may hold; more are answered 413.</summary>
    public int MaxRecords { get; set; } = TelemetryIngest.DefaultMaxRecords;

    /// <summary>How often idle keys are advanced and failed deliveries retried.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Stop by itself after this long; null runs until cancelled or, with finite inputs only, until they are done.</summary>
    public TimeSpan? For { get; set; }

    /// <summary>Simulated fleet size.</summary>
    public int Devices { get; set; } = 24;

    /// <summary>Seed of the simulated fleet: the same seed gives the same samples.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Time between two samples of one simulated device.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The exporters of the run's metrics and spans.</summary>
    public TelemetryExportOptions Telemetry { get; set; } = new() { ExportInterval = TimeSpan.FromSeconds(10) };

    /// <summary>The hub <see cref="LiveSources.EventHubs"/> reads.</summary>
    public HubConnection? Hub { get; set; }

    public string ConsumerGroup { get; set; } = "local";

    /// <summary>Where the hub is read from when no position is saved: <c>earliest</c>, <c>latest</c> or an enqueued time.</summary>
    public string From { get; set; } = "latest";

    /// <summary>
    /// Whether only cancellation, <see cref="For"/> or a failing input ends the run: a live source (the fleet, HTTP
    /// ingest, a hub) never runs out, and <see cref="For"/> keeps a run over finite inputs (a file, stdin) going.
    /// </summary>
    public bool Endless => (Sources & (LiveSources.Simulated | LiveSources.Http | LiveSources.EventHubs)) != 0 || For is not null;

    public bool Reads(LiveSources source) => (Sources & source) != 0;

    /// <summary>Every wrong setting, each naming its property; empty when the options can be used.</summary>
    public IReadOnlyList<SettingProblem> Validate()
    {
        var problems = new List<SettingProblem>();
        void Add(string setting, string message) => problems.Add(new SettingProblem(setting, $"{setting} {message}"));
        if (Sources == LiveSources.None)
        {
            Add(nameof(Sources), $"must name one or more of {string.Join(", ", Enum.GetNames<LiveSources>().Skip(1))}, got '{Sources}'.");
        }

        if (Partitions < 1)
        {
            Add(nameof(Partitions), $"must be at least 1, got {Partitions}.");
        }

        if (HttpPort is < 0 or > 65535)
        {
            Add(nameof(HttpPort), $"must be a port from 0 (any free one) to 65535, got {HttpPort}.");
        }

        if (MaxBodyBytes < 1)
        {
            Add(nameof(MaxBodyBytes), $"must be at least 1 byte, got {MaxBodyBytes}.");
        }

        if (MaxRecords < 1)
        {
            Add(nameof(MaxRecords), $"must be at least 1 record, got {MaxRecords}.");
        }

        if (SweepInterval <= TimeSpan.Zero)
        {
            Add(nameof(SweepInterval), $"must be longer than 0s, got {SweepInterval}.");
        }

        if (For < TimeSpan.Zero)
        {
            Add(nameof(For), $"must not be negative, got {For}.");
        }

        if (Devices < 1)
        {
            Add(nameof(Devices), $"must be at least 1 device, got {Devices}.");
        }

        // Checked whatever the sources: a zero interval is never a usable value, and the CLI has always refused it.
        if (Interval <= TimeSpan.Zero)
        {
            Add(nameof(Interval), $"must be longer than 0s, got {Interval}.");
        }

        if (Reads(LiveSources.EventHubs))
        {
            if (Hub is null)
            {
                Add(nameof(Hub), "must name the hub to read (the source EventHubs reads one).");
            }

            if (string.IsNullOrWhiteSpace(ConsumerGroup))
            {
                Add(nameof(ConsumerGroup), "must name the consumer group the hub is read through.");
            }

            if (HubFeed.ParseFirstStart(From) is null)
            {
                Add(nameof(From), $"must be earliest, latest or a time like 2026-01-01T00:00:00Z, got '{From}'.");
            }
        }

        return problems;
    }

    /// <summary>Throws every problem of <see cref="Validate"/>, each naming its setting.</summary>
    public void ThrowIfInvalid() => SettingProblem.ThrowIfAny(Validate());
}
