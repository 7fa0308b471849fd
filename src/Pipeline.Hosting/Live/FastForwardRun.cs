using Pipeline.Core.Alerts;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.Simulation;
using ProcessorApiSource = Pipeline.Dashboard.Api.ProcessorApiSource;

namespace Pipeline.Hosting.Live;

/// <summary>What a fast-forwarded run did, taken after its last sweep.</summary>
/// <param name="Delivered">Every alert delivered, in order.</param>
/// <param name="PendingAlerts">Alerts still waiting in an outbox (their delivery failed).</param>
public sealed record FastForwardResult(RunTotals Totals, IReadOnlyList<AlertEvent> Delivered, long PendingAlerts);

/// <summary>
/// A simulated fleet fast-forwarded through simulated time (<c>pipeline demo</c>): the same loop as a live run, on a
/// <see cref="VirtualClock"/> that jumps instead of waiting, to the end of <see cref="FastForwardOptions.Duration"/>, then
/// one last sweep; every time comes from the simulation, so the same seed gives the same alerts in the same order.
/// Afterwards the finished run's dashboard can be served (<see cref="ServeAsync"/>). The shell prints; it reads what to
/// print here.
/// </summary>
public sealed class FastForwardRun : IAsyncDisposable
{
    private readonly PipelineOptions _pipelineOptions;
    private readonly FastForwardOptions _options;
    private readonly Func<LocalRunOptions, CancellationToken, Task<LocalPipeline>> _createPipeline;
    private readonly VirtualClock _clock;
    private readonly ProcessorApiSource? _dashboard;

    /// <summary>
    /// Checks the options and makes the fleet (its <see cref="Faults"/> can be told before the run); no port is built yet.
    /// The alerts go to the JSON Lines file at <see cref="AlertOptions.Path"/>, overwritten.
    /// </summary>
    /// <param name="createPipeline">
    /// Builds the run's ports and processor from the run's part of <see cref="LocalRunOptions"/>; the shell adds its own
    /// (a console sink in front) and words the ports' failures in its own terms.
    /// </param>
    /// <param name="time">The wall clock of the served dashboard's live feed (tests pass a fake one); the run itself never reads it.</param>
    /// <exception cref="InvalidOperationException">The options are not usable (the message names each wrong setting).</exception>
    public FastForwardRun(RuleSet rules, PipelineOptions pipelineOptions, FastForwardOptions options,
        Func<LocalRunOptions, CancellationToken, Task<LocalPipeline>> createPipeline, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(pipelineOptions);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(createPipeline);
        ArgumentNullException.ThrowIfNull(time);
        options.ThrowIfInvalid();
        _pipelineOptions = pipelineOptions;
        _options = options;
        _createPipeline = createPipeline;
        _clock = new VirtualClock(options.Start);
        Simulator = new FleetSimulator(new FleetOptions
        {
            Start = options.Start,
            Devices = options.Devices,
            Seed = options.Seed,
            Interval = options.Interval,
            Duration = options.Duration,
        });

        // Only with a dashboard to serve: recording every value for its charts is work a run that is not served skips.
        _dashboard = options.Serve ? RunDashboard.Create(rules, _clock, time) : null;

        // The alerts file is written anew: a run from the same start and seed leaves the same bytes.
        if (!pipelineOptions.Alerts.Kinds.Contains(AlertSinkKind.Jsonl))
        {
            pipelineOptions.Alerts.Kinds.Add(AlertSinkKind.Jsonl);
        }

        pipelineOptions.Alerts.Append = false;
    }

    /// <summary>The simulated fleet.</summary>
    public FleetSimulator Simulator { get; }

    /// <summary>The faults injected into the fleet that start before the run ends, in the simulator's order.</summary>
    public IEnumerable<InjectedFault> Faults => Simulator.Faults.Where(f => f.Window.Start < End);

    /// <summary>Where the simulated time ends.</summary>
    public DateTimeOffset End => _options.Start + _options.Duration;

    /// <summary>The ports and the processor, once <see cref="RunAsync"/> has built them.</summary>
    public LocalPipeline? Pipeline { get; private set; }

    /// <summary>Builds the ports, feeds the fleet on the virtual clock to <see cref="End"/>, sweeping every <see cref="FastForwardOptions.SweepInterval"/>, then sweeps once more.</summary>
    /// <exception cref="InvalidOperationException">The run has already run.</exception>
    public async Task<FastForwardResult> RunAsync(CancellationToken cancellationToken)
    {
        if (Pipeline is not null)
        {
            throw new InvalidOperationException("A fast-forwarded run runs once: its fleet and clock are at their end.");
        }

        // Partitions run one after another so the order of alerts in the file is the same every time.
        Pipeline = await RunDashboard.CreatePipelineAsync(_createPipeline, new LocalRunOptions { Partitions = _options.Partitions }, _dashboard, _pipelineOptions,
            cancellationToken).ConfigureAwait(false);
        var ingress = Pipeline.Ingress;
        using (var feed = new SimulatedFeed(Simulator))
        {
            await RunLoop.RunAsync(ingress, _clock, feed, _options.SweepInterval, End, Task.Delay(Timeout.Infinite, cancellationToken), cancellationToken)
                .ConfigureAwait(false);
        }

        await ingress.SweepAsync(_clock.Now, cancellationToken).ConfigureAwait(false);
        return new FastForwardResult(ingress.Totals(), [.. Pipeline.Delivered], ingress.PendingAlerts);
    }

    /// <summary>
    /// Serves the dashboard and its Api over the finished run's state on 127.0.0.1 until <paramref name="cancellationToken"/>
    /// is cancelled; <paramref name="listening"/> is told the server once it listens.
    /// </summary>
    /// <exception cref="InvalidOperationException">The run has not run, or its options did not ask to <see cref="FastForwardOptions.Serve"/>.</exception>
    /// <exception cref="PortUnavailableException">Nothing can listen on <see cref="FastForwardOptions.HttpPort"/>.</exception>
    public async Task ServeAsync(Action<LoopbackServer> listening, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listening);
        if (_dashboard is null)
        {
            throw new InvalidOperationException($"{nameof(FastForwardOptions.Serve)} is off: the run recorded nothing for a dashboard to show.");
        }

        if (Pipeline is null)
        {
            throw new InvalidOperationException("The dashboard is served after the run: call RunAsync first.");
        }

        await using var server = await LocalServer.StartAsync(Pipeline.Ingress, _clock, _options.HttpPort, 0, ingest: false, _dashboard, cancellationToken)
            .ConfigureAwait(false);
        listening(server);
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        if (Pipeline is not null)
        {
            await Pipeline.DisposeAsync().ConfigureAwait(false);
        }
    }
}
