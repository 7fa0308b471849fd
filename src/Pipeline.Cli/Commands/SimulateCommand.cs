using System.CommandLine;
using Pipeline.Azure.EventHubs;
using Pipeline.Cli.EventHubs;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.Simulation;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary>
/// <c>pipeline simulate</c>: the simulated fleet's telemetry sent to an HTTP ingest endpoint (one NDJSON request per
/// instant) or an event hub in real time, or written to a JSON Lines file at once (a recording for <c>replay</c>).
/// </summary>
internal static class SimulateCommand
{
    private sealed class Settings : IFleetSettings, IHubSettings
    {
        public Uri? Target { get; set; }

        public string? Out { get; set; }

        public int Devices { get; set; } = 24;

        public int Seed { get; set; } = 42;

        public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

        public int Rate { get; set; }

        public TimeSpan? For { get; set; }

        public DateTimeOffset Start { get; set; } = DemoCommand.DefaultStart;

        public bool ToHub { get; set; }

        public HubFlags Hub { get; } = new();

        public string? ClientId { get; set; }
    }

    public static Command Create(CliIo io) => new FlagTable<Settings>()
        .Url("--target", "HTTP ingest endpoint to send to, e.g. http://127.0.0.1:5080/telemetry", (s, v) => s.Target = v)
        .Text("--out", "Write the telemetry to this JSON Lines file instead, as fast as possible", "FILE", (s, v) => s.Out = v)
        .Fleet()
        .Int("--rate", "Events per second over the whole fleet; sets the interval to devices / rate", 0, 10_000_000, (s, v) => s.Rate = v)
        .Duration("--for", "How much telemetry: a duration of event time (default: until Ctrl+C with --target, 60m with --out)", (s, v) => s.For = v)
        .Time("--start", "Event time of the first sample with --out (default 2026-01-01T00:00:00Z); --target always starts now", (s, v) => s.Start = v)
        .Choice("--to", "Send to an HTTP ingest endpoint (--target, the default) or to an event hub", ["http", "eventhubs"], (s, v) => s.ToHub = v == "eventhubs")
        .HubFlags()
        .Text("--client-id", "Client id of a user-assigned managed identity for Azure sign-in", "ID", (s, v) => s.ClientId = v)
        .Command("simulate", "Send the simulated fleet's telemetry to an HTTP ingest endpoint or an event hub at a given rate, or record it to a file",
            (s, ct) => ExecuteAsync(io, s, ct));

    private static Task<int> ExecuteAsync(CliIo io, Settings s, CancellationToken cancellationToken)
    {
        if (s.ToHub && (s.Target is not null || s.Out is not null))
        {
            throw new UserErrorException("--to eventhubs sends to the hub: leave out --target and --out");
        }

        if (!s.ToHub && (s.Target is null) == (s.Out is null))
        {
            throw new UserErrorException("simulate needs exactly one of --target URL or --out FILE");
        }

        s.Interval = FleetOptions.SampleInterval(s.Interval, s.Devices, s.Rate) ?? throw new UserErrorException("--interval must be longer than 0s");

        return s.ToHub ? SendToHubAsync(io, s, s.Hub.Connect(s.ClientId), cancellationToken)
            : s.Out is { } file ? WriteFileAsync(io, file, new FleetOptions { Start = s.Start, Devices = s.Devices, Seed = s.Seed, Interval = s.Interval, Duration = s.For ?? TimeSpan.FromMinutes(60) }, cancellationToken)
            : SendAsync(io, s, s.Target!, cancellationToken);
    }

    private static async Task<int> WriteFileAsync(CliIo io, string path, FleetOptions options, CancellationToken cancellationToken)
    {
        long count;
        try
        {
            count = await TelemetryRecording.WriteAsync(path, new FleetSimulator(options).Generate(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"cannot write '{path}': {ex.Message}", ex);
        }

        io.Stdout.WriteLine(Text.Invariant(
            $"wrote {count:N0} events of {options.Devices} devices ({DurationText.Format(options.Duration!.Value)} from {options.Start:yyyy-MM-dd HH:mm:ss}Z, seed {options.Seed}) to {path}"));
        return 0;
    }

    /// <summary>The live fleet, its first sample strictly after now, and the line that starts sending it.</summary>
    private static SimulatedFeed StartLive(CliIo io, Settings s, string to)
    {
        io.Stdout.WriteLine(Text.Invariant(
            $"pipeline simulate: {s.Devices} devices, one sample each every {DurationText.Format(s.Interval)} ({s.Devices / s.Interval.TotalSeconds:0.#} events/s) to {to}; Ctrl+C to stop"));
        return SimulatedFeed.Live(io.Context.Time.GetUtcNow().AddTicks(1), s.Devices, s.Seed, s.Interval, s.For);
    }

    private static async Task<int> SendAsync(CliIo io, Settings s, Uri target, CancellationToken cancellationToken)
    {
        using var http = io.Context.HttpHandler is { } handler ? new HttpClient(handler, disposeHandler: false) : new HttpClient();
        var sender = new HttpTelemetrySender(http, target, problem => io.Stderr.WriteLine("pipeline: " + problem));
        var clock = new LiveClock(io.Context.Time);
        using var feed = StartLive(io, s, target.ToString());
        await feed.PlayAsync(clock, sender.SendAsync, TimeSpan.FromMinutes(1),
            now => io.Stdout.WriteLine(Text.Invariant($"  {now:HH:mm:ss}Z  {sender.Sent:N0} events accepted in {sender.Requests:N0} requests")),
            cancellationToken).ConfigureAwait(false);
        io.Stdout.WriteLine(Text.Invariant(
            $"sent {sender.Sent:N0} events in {sender.Requests:N0} requests; {sender.FailedRequests:N0} requests failed ({sender.Rejected:N0} events not accepted)"));
        return sender.FailedRequests == 0 ? 0 : 1;
    }

    /// <summary><c>--to eventhubs</c>: partition key = device id; a progress line on a terminal.</summary>
    private static async Task<int> SendToHubAsync(CliIo io, Settings s, HubConnection hub, CancellationToken cancellationToken)
    {
        var producer = hub.CreateProducer();
        await using var producerScope = producer.ConfigureAwait(false);
        var sender = new HubSender(producer, io.Context.Time);
        var clock = new LiveClock(io.Context.Time);
        using var feed = StartLive(io, s, $"hub '{hub.Hub}' in {hub.Where}");
        var start = feed.Simulator.Options.Start;
        var progress = io.Context.StderrIsTerminal;
        Task Send(List<Telemetry> batch, CancellationToken ct) => sender.SendAsync(batch, ct);
        void Report(DateTimeOffset now) => io.Stderr.Write(Text.Invariant(
            $"\r  sent {sender.Total.Sent:N0}  {sender.Total.SentPerSecond(now - start):N0} events/s  failures {sender.Total.Failed:N0}  throttling retries {sender.Total.Retries:N0}   "));
        await HubFlags.RunAsync(hub, HubConnection.SenderRole, () => progress
            ? feed.PlayAsync(clock, Send, TimeSpan.FromSeconds(1), Report, cancellationToken)
            : feed.PlayAsync(clock, Send, cancellationToken)).ConfigureAwait(false);
        if (progress)
        {
            io.Stderr.WriteLine();
        }

        var total = sender.Total;
        io.Stdout.WriteLine(Text.Invariant($"sent {total.Sent:N0} events in {total.Batches:N0} batches; {total.Failed:N0} events failed; {total.Retries:N0} retries after throttling"));
        return total.Failed == 0 ? 0 : 1;
    }
}
