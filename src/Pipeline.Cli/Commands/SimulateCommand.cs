using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using Pipeline.Core.Events;
using Pipeline.Core.Rules;
using Pipeline.Core.Simulation;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary>
/// <c>pipeline simulate</c>: the simulated fleet's telemetry sent to an HTTP ingest endpoint in real time (one NDJSON
/// request per instant), or written to a JSON Lines file at once (a recording for <c>replay</c>).
/// </summary>
internal static class SimulateCommand
{
    public static Command Create(CliIo io)
    {
        var target = CliOptions.Url("--target", "HTTP ingest endpoint to send to, e.g. http://127.0.0.1:5080/telemetry");
        var output = CliOptions.Text("--out", "Write the telemetry to this JSON Lines file instead, as fast as possible", "FILE");
        var devices = CliOptions.Int("--devices", "Simulated fleet size", 24, 1, 100_000);
        var seed = CliOptions.Int("--seed", "Seed of the simulated fleet", 42, int.MinValue, int.MaxValue);
        var interval = CliOptions.Duration("--interval", "Time between two samples of one device (default 10s)");
        var rate = CliOptions.Int("--rate", "Events per second over the whole fleet; sets the interval to devices / rate", 0, 0, 10_000_000);
        var duration = CliOptions.Duration("--for", "How much telemetry: a duration of event time (default: until Ctrl+C with --target, 60m with --out)");
        var start = CliOptions.Time("--start", "Event time of the first sample with --out (default 2026-01-01T00:00:00Z); --target always starts now");
        var to = CliOptions.Choices("--to", "Send to an HTTP ingest endpoint (--target, the default) or to an event hub", ["http", "eventhubs"], ["http"], multiple: false);
        var hubOptions = new EventHubs.HubOptions();
        var clientId = CliOptions.Text("--client-id", "Client id of a user-assigned managed identity for Azure sign-in", "ID");
        var command = new Command("simulate", "Send the simulated fleet's telemetry to an HTTP ingest endpoint or an event hub at a given rate, or record it to a file");
        hubOptions.AddTo(command);
        command.Options.Add(to);
        command.Options.Add(clientId);
        foreach (var option in new Option[] { target, output, devices, seed, interval, rate, duration, start })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) =>
        {
            var url = parse.GetValue(target);
            var file = parse.GetValue(output);
            var toHub = CliOptions.ValueOr(parse, to, ["http"])[0] == "eventhubs";
            if (toHub && (url is not null || file is not null))
            {
                throw new UserErrorException("--to eventhubs sends to the hub: leave out --target and --out");
            }

            if (!toHub && (url is null) == (file is null))
            {
                throw new UserErrorException("simulate needs exactly one of --target URL or --out FILE");
            }

            var fleet = parse.GetValue(devices);
            var every = parse.GetValue(interval) ?? TimeSpan.FromSeconds(10);
            if (parse.GetValue(rate) is > 0 and var perSecond)
            {
                every = TimeSpan.FromTicks(Math.Max(1, (long)(TimeSpan.TicksPerSecond * (double)fleet / perSecond)));
            }

            if (every <= TimeSpan.Zero)
            {
                throw new UserErrorException("--interval must be longer than 0s");
            }

            if (toHub)
            {
                return EventHubs.HubSimulation.SendAsync(io, hubOptions.Read(parse, parse.GetValue(clientId)), fleet, parse.GetValue(seed), every, parse.GetValue(duration), ct);
            }

            return file is not null
                ? WriteFileAsync(io, file, new FleetOptions { Start = parse.GetValue(start) ?? DemoCommand.DefaultStart, Devices = fleet, Seed = parse.GetValue(seed), Interval = every, Duration = parse.GetValue(duration) ?? TimeSpan.FromMinutes(60) }, ct)
                : SendAsync(io, url!, fleet, parse.GetValue(seed), every, parse.GetValue(duration), ct);
        });
        return command;
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

        io.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {count:N0} events of {options.Devices} devices ({DurationText.Format(options.Duration!.Value)} from {options.Start:yyyy-MM-dd HH:mm:ss}Z, seed {options.Seed}) to {path}"));
        return 0;
    }

    private static async Task<int> SendAsync(CliIo io, Uri target, int devices, int seed, TimeSpan interval, TimeSpan? duration, CancellationToken cancellationToken)
    {
        var time = io.Context.Time;
        // The first sample is strictly after now.
        using var feed = SimulatedFeed.Live(time.GetUtcNow().AddTicks(1), devices, seed, interval, duration);
        var start = feed.Simulator.Options.Start;
        using var http = io.Context.HttpHandler is { } handler ? new HttpClient(handler, disposeHandler: false) : new HttpClient();
        var clock = new LiveClock(time);
        io.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pipeline simulate: {devices} devices, one sample each every {DurationText.Format(interval)} ({devices / interval.TotalSeconds:0.#} events/s) to {target}; Ctrl+C to stop"));
        long sent = 0, rejected = 0, failedRequests = 0, requests = 0;
        var lastReport = start;
        try
        {
            while (feed.NextTime is { } due)
            {
                await clock.WaitUntilAsync(due, cancellationToken).ConfigureAwait(false);
                var batch = feed.TakeUntil(clock.Now);
                var body = new ArrayBufferWriter<byte>(batch.Count * 200);
                foreach (var e in batch)
                {
                    TelemetryEncoder.Write(body, e);
                    body.Write("\n"u8);
                }

                requests++;
                try
                {
                    using var content = new ByteArrayContent(body.WrittenSpan.ToArray());
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson") { CharSet = "utf-8" };
                    using var response = await http.PostAsync(target, content, cancellationToken).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        sent += batch.Count;
                    }
                    else
                    {
                        failedRequests++;
                        rejected += batch.Count;
                        var problem = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                        io.Stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pipeline: {target} answered {(int)response.StatusCode}: {Shorten(problem)}"));
                    }
                }
                catch (HttpRequestException ex)
                {
                    failedRequests++;
                    io.Stderr.WriteLine($"pipeline: cannot send to {target}: {ex.Message}");
                }

                if (clock.Now - lastReport >= TimeSpan.FromMinutes(1))
                {
                    lastReport = clock.Now;
                    io.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {clock.Now:HH:mm:ss}Z  {sent:N0} events accepted in {requests:N0} requests"));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: report what was sent.
        }

        io.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sent {sent:N0} events in {requests:N0} requests; {failedRequests:N0} requests failed ({rejected:N0} events not accepted)"));
        return failedRequests == 0 ? 0 : 1;
    }

    private static string Shorten(string text)
    {
        var oneLine = text.ReplaceLineEndings(" ");
        return oneLine.Length <= 300 ? oneLine : oneLine[..300] + "…";
    }
}
