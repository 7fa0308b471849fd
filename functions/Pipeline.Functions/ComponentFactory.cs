using Pipeline.Core.Alerts;
using Pipeline.Core.Rules;
using Pipeline.Core.State;

namespace Pipeline.Functions;

/// <summary>Builds the handler's ports from <see cref="PipelineSettings"/>.</summary>
public static class ComponentFactory
{
    public static async Task<PipelineComponents> CreateAsync(PipelineSettings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        var description = new Dictionary<string, string>(StringComparer.Ordinal);
        var rulesText = File.Exists(settings.RulesPath)
            ? await File.ReadAllTextAsync(settings.RulesPath, cancellationToken).ConfigureAwait(false)
            : throw new InvalidOperationException($"The rule file '{settings.RulesPath}' does not exist (Pipeline__Rules__Path).");

        var state = settings.StateKind switch
        {
            "memory" => new MemoryStateStore(),
            _ => throw Unknown("State", settings.StateKind, "memory, tables"),
        };
        description["state"] = settings.StateKind;

        IAlertHistory history = new MemoryAlertHistory();
        description["history"] = "memory";

        IAlertSink alerts = settings.AlertsKind switch
        {
            "memory" => new MemoryAlertSink(),
            _ => throw Unknown("Alerts", settings.AlertsKind, "jsonl, memory, eventgrid, webhook"),
        };
        description["alerts"] = settings.AlertsKind;

        IDeadLetterStore deadLetters = settings.DeadLettersKind switch
        {
            "memory" => new MemoryDeadLetterStore(),
            _ => throw Unknown("DeadLetters", settings.DeadLettersKind, "jsonl, memory, tables"),
        };
        description["deadLetters"] = settings.DeadLettersKind;

        IRuleStore rules = settings.RulesKind switch
        {
            "file" => new MemoryRuleStore(),
            _ => throw Unknown("Rules", settings.RulesKind, "file, blob"),
        };
        description["rules"] = settings.RulesKind;

        return new PipelineComponents
        {
            State = state,
            Alerts = alerts,
            DeadLetters = deadLetters,
            History = history,
            Rules = rules,
            DefaultRulesText = rulesText,
            Environment = settings.Environment,
            RulesRefreshInterval = settings.RulesRefreshInterval,
            Description = description,
        };
    }

    private static InvalidOperationException Unknown(string setting, string kind, string known) =>
        new($"Pipeline__{setting}__Kind '{kind}' is not one of: {known}.");
}
