using Microsoft.Extensions.Logging;
using Pipeline.Core.Observability;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;
using Pipeline.Core.State;
using Pipeline.Hosting;

namespace Pipeline.Functions;

/// <summary>
/// The handler's one partition processor and its ports. Built in the background once the server listens
/// (<see cref="Start"/>), so <c>GET /</c> answers before rules are parsed or storage clients exist, without competing
/// with them for the CPU; invocations wait for it. One processor
/// serves every partition the host hands this instance: the processor serializes its calls, so invocations of
/// different partitions queue behind each other instead of racing on the key cache.
/// </summary>
public sealed partial class PipelineRuntime : IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _rulesGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Func<CancellationToken, Task<PipelineComponents>> _components;
    private readonly PipelineTelemetry? _telemetry;
    private readonly Lock _startLock = new();
    private Task<Ready>? _ready;
    private long _rulesCheckedTicks;
    private readonly SemaphoreSlim _retentionGate = new(1, 1);
    private DateTimeOffset? _retentionAppliedAt;

    /// <param name="telemetry">Where the processor reports its metrics and traces, and what the health rules read; null: neither.</param>
    public PipelineRuntime(Func<CancellationToken, Task<PipelineComponents>> components, TimeProvider time, ILogger logger,
        PipelineTelemetry? telemetry = null)
    {
        _telemetry = telemetry;
        _components = components ?? throw new ArgumentNullException(nameof(components));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>The instance's metrics (the same numbers Application Insights receives); null without telemetry.</summary>
    public PipelineTelemetry? Telemetry => _telemetry;

    /// <summary>Starting, ready, or failed with <see cref="Error"/>.</summary>
    public string Status => _ready?.Status switch
    {
        TaskStatus.RanToCompletion => "ready",
        TaskStatus.Faulted or TaskStatus.Canceled => "failed",
        _ => "starting",
    };

    /// <summary>The handler's clock.</summary>
    public TimeProvider Time => _time;

    public string? Error => _ready?.Exception?.GetBaseException().Message;

    /// <summary>The running pipeline, or null while starting or after a failed start (never waits).</summary>
    public Ready? Current => _ready is { IsCompletedSuccessfully: true } ready ? ready.Result : null;

    /// <summary>Starts building the pipeline (the server calls this once it listens); later calls do nothing.</summary>
    public void Start() => _ = StartedAsync(CancellationToken.None);

    /// <summary>
    /// The processor and ports; throws what initialization threw. A failed start (storage unreachable, say) is tried
    /// again by the next call, so the host's retries can succeed without restarting the process.
    /// </summary>
    public async Task<Ready> GetAsync(CancellationToken cancellationToken)
    {
        var ready = await StartedAsync(cancellationToken).ConfigureAwait(false);
        await RefreshRulesAsync(ready, cancellationToken).ConfigureAwait(false);
        return ready;
    }

    /// <summary>
    /// Validates and activates a new rule set and its inhibitions: stored first, then swapped into the processor and the
    /// notification gate, so a failed store write leaves the previous rules active everywhere. Returns the loader's
    /// errors when the text is invalid (an invalid inhibitions section included).
    /// </summary>
    public async Task<RuleSetLoadResult> ReplaceRulesAsync(string text, RuleFileFormat format, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ready = await StartedAsync(cancellationToken).ConfigureAwait(false);
        var result = RuleSetLoader.Load(text, format);
        if (!result.Success)
        {
            return result;
        }

        // Compiled before it is stored, so a set the engine cannot run never becomes what other instances load.
        _ = RuleSetCompiler.Compile(result.RuleSet!, ready.Components.Environment);
        await _rulesGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = new StoredRuleText(text, FormatName(text, format), result.RuleSet!.Version, _time.GetUtcNow());
            await ready.Components.Rules.SetActiveAsync(stored, cancellationToken).ConfigureAwait(false);
            await ready.Processor.ReplaceRulesAsync(result.RuleSet, cancellationToken).ConfigureAwait(false);
            ready.Components.Notifications.Activate(result.RuleSet);
            LogRulesActivated(_logger, result.RuleSet.Version, "api");
        }
        finally
        {
            _rulesGate.Release();
        }

        return result;
    }

    /// <summary>
    /// Applies the retention settings if this instance has not done so within <see cref="PipelineComponents.RetentionInterval"/>
    /// before <paramref name="now"/> (the Sweep's time); returns what it removed, or null when it was not due. A failure
    /// is thrown, and the next Sweep tries again.
    /// </summary>
    public async Task<RetentionResult?> ApplyRetentionIfDueAsync(Ready ready, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ready);
        await _retentionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_retentionAppliedAt is { } last && now - last < ready.Components.RetentionInterval)
            {
                return null;
            }

            var removed = await Retention.ApplyAsync(ready.Components.Retention, now, ready.Components.History, ready.Components.DeadLetters,
                ready.Components.MetricHistory, cancellationToken).ConfigureAwait(false);
            _retentionAppliedAt = now;
            LogRetentionApplied(_logger, removed.AlertRecords, removed.DeadLetters, removed.Devices);
            return removed;
        }
        finally
        {
            _retentionGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);

        // A start still in progress is abandoned (shutdown must not wait on storage); a failed one built nothing.
        if (Current is { } ready)
        {
            ready.Processor.Dispose();
            await ready.Components.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
        _rulesGate.Dispose();
        _retentionGate.Dispose();
    }

    private Task<Ready> StartedAsync(CancellationToken cancellationToken)
    {
        lock (_startLock)
        {
            if (_ready is null or { IsFaulted: true })
            {
                _ready = Task.Run(() => InitializeAsync(_stopping.Token));
            }

            return _ready.WaitAsync(cancellationToken);
        }
    }

    private async Task<Ready> InitializeAsync(CancellationToken cancellationToken)
    {
        PipelineComponents? components = null;
        try
        {
            components = await _components(cancellationToken).ConfigureAwait(false);
            var active = await components.Rules.GetActiveAsync(cancellationToken).ConfigureAwait(false);
            if (active is null)
            {
                var text = components.DefaultRulesText
                    ?? throw new InvalidOperationException("The rule store has no active rules and no default rule file was configured.");
                var seed = RuleSetLoader.Load(text);
                if (!seed.Success)
                {
                    throw new InvalidOperationException("The default rule file is invalid: " + string.Join("; ", seed.Errors));
                }

                active = new StoredRuleText(text, FormatName(text, RuleFileFormat.Auto), seed.RuleSet!.Version, _time.GetUtcNow());
                await components.Rules.SetActiveAsync(active, cancellationToken).ConfigureAwait(false);
            }

            var loaded = Load(active);
            components.Notifications.Activate(loaded);
            var processor = new PartitionProcessor(loaded, components.State, components.Alerts, components.DeadLetters,
                new ProcessorOptions { Environment = components.Environment, History = components.MetricHistory, Telemetry = _telemetry }, components.History);
            var health = _telemetry is null ? null : new HealthMonitor(_telemetry, components.Alerts, new HealthOptions { Environment = components.Environment });
            _rulesCheckedTicks = _time.GetTimestamp();
            LogRulesActivated(_logger, loaded.Version, "startup");
            return new Ready(processor, components) { Health = health };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStartupFailed(_logger, ex);
            if (components is not null)
            {
                await components.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Picks up rules another instance activated (blob store), at most once per refresh interval.</summary>
    private async Task RefreshRulesAsync(Ready ready, CancellationToken cancellationToken)
    {
        var interval = ready.Components.RulesRefreshInterval;
        if (interval <= TimeSpan.Zero || _time.GetElapsedTime(Interlocked.Read(ref _rulesCheckedTicks)) < interval)
        {
            return;
        }

        await _rulesGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_time.GetElapsedTime(Interlocked.Read(ref _rulesCheckedTicks)) < interval)
            {
                return;
            }

            Interlocked.Exchange(ref _rulesCheckedTicks, _time.GetTimestamp());
            var active = await ready.Components.Rules.GetActiveAsync(cancellationToken).ConfigureAwait(false);
            if (active is null || active.Version == ready.Processor.Rules.Version)
            {
                return;
            }

            var rules = Load(active);
            await ready.Processor.ReplaceRulesAsync(rules, cancellationToken).ConfigureAwait(false);
            ready.Components.Notifications.Activate(rules);
            LogRulesActivated(_logger, rules.Version, "rule store");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The rules in force stay; the next invocation after the interval tries again.
            LogRulesRefreshFailed(_logger, ex);
        }
        finally
        {
            _rulesGate.Release();
        }
    }

    private static RuleSet Load(StoredRuleText stored)
    {
        var format = stored.Format == StoredRuleText.Json ? RuleFileFormat.Json : RuleFileFormat.Yaml;
        var result = RuleSetLoader.Load(stored.Text, format);
        return result.Success
            ? result.RuleSet!
            : throw new InvalidOperationException($"The active rules (version {stored.Version}) are invalid: " + string.Join("; ", result.Errors));
    }

    /// <summary>The store's format label: what the loader would read the text as.</summary>
    internal static string FormatName(string text, RuleFileFormat format) => format switch
    {
        RuleFileFormat.Json => StoredRuleText.Json,
        RuleFileFormat.Yaml => StoredRuleText.Yaml,
        _ => text.TrimStart() is ['{', ..] or ['[', ..] ? StoredRuleText.Json : StoredRuleText.Yaml,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention removed {AlertRecords} alert records, {DeadLetters} dead letters and the metric history of {Devices} devices")]
    private static partial void LogRetentionApplied(ILogger logger, int alertRecords, int deadLetters, int devices);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rules {Version} active ({Origin})")]
    private static partial void LogRulesActivated(ILogger logger, string version, string origin);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the active rules failed; the rules in force stay")]
    private static partial void LogRulesRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The pipeline could not start; the next invocation tries again")]
    private static partial void LogStartupFailed(ILogger logger, Exception exception);

    /// <summary>A running pipeline.</summary>
    public sealed record Ready(PartitionProcessor Processor, PipelineComponents Components)
    {
        /// <summary>The health rules over this instance's metrics, evaluated by the Sweep; null without telemetry.</summary>
        public HealthMonitor? Health { get; init; }
    }
}
