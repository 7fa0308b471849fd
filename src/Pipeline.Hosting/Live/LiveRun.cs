using Azure.Messaging.EventHubs.Consumer;
using Pipeline.Azure.EventHubs;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.Simulation;
using Pipeline.Core.State;
using Pipeline.Local;

namespace Pipeline.Hosting.Live;

/// <summary>What the shell hands a live run: how its ports are built, its clock, the inputs it opened, where failures are told.</summary>
public sealed record LiveRunContext
{
    /// <summary>
    /// Builds the run's ports and processor from the run's part of <see cref="LocalRunOptions"/>; the shell adds its
    /// own (a console sink in front, how failures are told) and words the ports' failures in its own terms.
    /// </summary>
    public required Func<LocalRunOptions, CancellationToken, Task<LocalPipeline>> CreatePipeline { get; init; }

    /// <summary>The wall clock of the run: processing time and every wait (tests pass a fake one).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The JSON Lines file <see cref="LiveSources.File"/> reads; the shell opened it and closes it.</summary>
    public Stream? File { get; init; }

    /// <summary>Opens standard input for <see cref="LiveSources.Stdin"/>.</summary>
    public Func<Stream>? OpenStdin { get; init; }

    /// <summary>Told the whole failure when the stores fail an HTTP ingest request (the answer is a 503).</summary>
    public Action<Exception>? IngestFailed { get; init; }
}

/// <summary>
/// A live run: the ports and processor (<see cref="LocalPipeline"/>), the local server with the dashboard, its Api,
/// Prometheus when asked and HTTP ingest with <see cref="LiveSources.Http"/>, and the inputs <see cref="LiveRunOptions"/>
/// chooses (the simulated fleet, a file, stdin, an event hub with its positions beside the state), fed until the
/// run ends (<see cref="RunAsync"/>). The shell prints; it reads what to print here.
/// </summary>
public sealed class LiveRun : IAsyncDisposable
{
    private readonly LiveRunOptions _options;
    private readonly PipelineOptions _pipelineOptions;
    private readonly LiveRunContext _context;
    private readonly LiveClock _clock;

    private LiveRun(LiveRunOptions options, PipelineOptions pipelineOptions, LiveRunContext context, LiveClock clock, LocalPipeline pipeline)
    {
        _options = options;
        _pipelineOptions = pipelineOptions;
        _context = context;
        _clock = clock;
        Pipeline = pipeline;
    }

    /// <summary>The ports and the processor the inputs feed.</summary>
    public LocalPipeline Pipeline { get; }

    /// <summary>The simulated fleet, with <see cref="LiveSources.Simulated"/>.</summary>
    public SimulatedFeed? Simulation { get; private set; }

    /// <summary>The local server; null when its port was unavailable and no input needed it (<see cref="NotServed"/> says why).</summary>
    public LoopbackServer? Server { get; private set; }

    /// <summary>Why the dashboard is not served: without HTTP ingest a port that cannot be listened on costs only the dashboard.</summary>
    public PortUnavailableException? NotServed { get; private set; }

    /// <summary>Builds the ports, starts the local server and, with <see cref="LiveSources.Simulated"/>, the fleet; no input is read yet.</summary>
    /// <exception cref="InvalidOperationException">The options are not usable (the message names each wrong setting).</exception>
    /// <exception cref="PortUnavailableException">HTTP ingest is a source and its port cannot be listened on.</exception>
    public static async Task<LiveRun> StartAsync(RuleSet rules, PipelineOptions pipelineOptions, LiveRunOptions options, LiveRunContext context,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(pipelineOptions);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        options.ThrowIfInvalid();
        if (options.Reads(LiveSources.File) != (context.File is not null) || (options.Reads(LiveSources.Stdin) && context.OpenStdin is null))
        {
            throw new ArgumentException("The context must hold the file exactly when the sources name File, and a way to open stdin when they name Stdin.", nameof(context));
        }

        var clock = new LiveClock(context.Time);
        var dashboard = RunDashboard.Create(rules, clock, context.Time);
        var pipeline = await RunDashboard.CreatePipelineAsync(context.CreatePipeline, new LocalRunOptions
        {
            Partitions = options.Partitions,
            Parallel = options.Partitions > 1,
            Telemetry = options.Telemetry,

            // An endless run: delivery apart from intake, and no list of every alert delivered.
            DeferDelivery = true,
            KeepDelivered = false,
        }, dashboard, pipelineOptions, cancellationToken).ConfigureAwait(false);
        var run = new LiveRun(options, pipelineOptions, context, clock, pipeline);
        try
        {
            if (options.Reads(LiveSources.Simulated))
            {
                run.Simulation = SimulatedFeed.Live(clock.Now, options.Devices, options.Seed, options.Interval);
            }

            // The dashboard is served whatever the sources; without HTTP ingest a busy port only costs the dashboard.
            try
            {
                run.Server = await LocalServer.StartAsync(pipeline.Ingress, clock, options.HttpPort, options.MaxBodyBytes, options.Reads(LiveSources.Http), dashboard,
                    cancellationToken, options.MaxRecords, context.IngestFailed, pipeline.Export.MapPrometheus).ConfigureAwait(false);
            }
            catch (PortUnavailableException ex) when (!options.Reads(LiveSources.Http))
            {
                run.NotServed = ex;
            }

            return run;
        }
        catch
        {
            await run.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Reads the inputs until the run ends (cancellation, <see cref="LiveRunOptions.For"/>, a failing input, or the end
    /// of finite inputs unless the run is <see cref="LiveRunOptions.Endless"/>), then stops taking input and delivers
    /// what waits.
    /// </summary>
    /// <returns>What stopped the run if it failed, else null; a hub failure a person can fix is a <see cref="LiveRunInputException"/>.</returns>
    public Task<Exception?> RunAsync(CancellationToken cancellationToken)
    {
        var ingress = Pipeline.Ingress;
        var clock = _clock;

        // Finite inputs (a file, stdin) end the run when they are done, unless a live source or For keeps it going.
        var inputs = new List<Func<CancellationToken, Task>>();
        if (_context.File is { } file)
        {
            inputs.Add(stop => LineInput.FeedAsync("file", file, ingress, () => clock.Now, stop));
        }

        if (_options.Reads(LiveSources.Stdin) && _context.OpenStdin is { } openStdin)
        {
            inputs.Add(stop => LineInput.FeedAsync("stdin", openStdin(), ingress, () => clock.Now, stop));
        }

        if (_options is { Hub: { } hub } && _options.Reads(LiveSources.EventHubs))
        {
            var positions = PipelineComponentsFactory.CreatePositionStore(_pipelineOptions);
            var firstStart = HubFeed.ParseFirstStart(_options.From)!.Value;
            inputs.Add(stop => ReadHubAsync(hub, firstStart, positions, stop));
        }

        var server = Server;
        return RunLoop.RunToEndAsync(ingress, clock, Simulation, _options.SweepInterval, _options.For is { } d ? clock.Now + d : null, inputs, _options.Endless,
            server is null ? null : server.DisposeAsync, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync().ConfigureAwait(false);
        }

        Simulation?.Dispose();
        await Pipeline.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The hub through its consumer group, with the failures a person can fix (a role, a sign-in, a name) told as such.</summary>
    private async Task ReadHubAsync(HubConnection hub, EventPosition firstStart, IPositionStore positions,
        CancellationToken cancellationToken)
    {
        try
        {
            await HubFeed.ReadAsync(hub, _options.ConsumerGroup, firstStart, positions, Pipeline.Ingress, () => _clock.Now, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (hub.Explain(ex, HubConnection.ReceiverRole) is { } message)
        {
            throw new LiveRunInputException(message, ex);
        }
    }
}

/// <summary>An input of a live run failed for a reason the person running it can fix; the message says which and how.</summary>
public sealed class LiveRunInputException : Exception
{
    public LiveRunInputException()
    {
    }

    public LiveRunInputException(string message)
        : base(message)
    {
    }

    public LiveRunInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
