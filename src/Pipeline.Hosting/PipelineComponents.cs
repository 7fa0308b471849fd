using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Rules;
using Pipeline.Core.State;

namespace Pipeline.Hosting;

/// <summary>The ports the handler runs the partition processor over, chosen by configuration (or by a test).</summary>
public sealed class PipelineComponents : IAsyncDisposable
{
    private readonly List<object> _owned = [];

    public required IStateStore State { get; init; }

    public required IAlertSink Alerts { get; init; }

    public required IDeadLetterStore DeadLetters { get; init; }

    public required IAlertHistory History { get; init; }

    public required IRuleStore Rules { get; init; }

    /// <summary>Silences and inhibitions in front of <see cref="Alerts"/> (already wrapped around it and <see cref="History"/>).</summary>
    public NotificationGating Notifications { get; init; } = new(new MemorySilenceStore(), []);

    /// <summary>Where silences are kept, beside the rules.</summary>
    public ISilenceStore Silences => Notifications.Silences;

    /// <summary>Recent metric values per device for the dashboard's charts (this instance's devices).</summary>
    public IMetricHistory MetricHistory { get; init; } = new MemoryMetricHistory();

    /// <summary>Rule text to make active when the rule store has none yet (the shipped copy of samples/rules.yaml).</summary>
    public string? DefaultRulesText { get; init; }

    /// <summary>Used in alert CloudEvent sources: <c>/pipeline/{environment}/rules/{ruleId}</c>.</summary>
    public string Environment { get; init; } = "local";

    /// <summary>How often invocations check the rule store for rules another instance activated; zero never does.</summary>
    public TimeSpan RulesRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long alert history, closed episodes and dead letters are kept.</summary>
    public RetentionOptions Retention { get; init; } = new();

    /// <summary>How often the Function App's Sweep applies <see cref="Retention"/>.</summary>
    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>What each port is (<c>state=memory</c>, …), reported by <c>GET /api/health</c>.</summary>
    public IReadOnlyDictionary<string, string> Description { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Disposed with the components (files, clients).</summary>
    public void Own(object resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        _owned.Add(resource);
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            switch (_owned[i])
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }

        _owned.Clear();
    }
}
