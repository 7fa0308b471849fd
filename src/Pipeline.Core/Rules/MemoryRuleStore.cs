namespace Pipeline.Core.Rules;

/// <summary>In-memory <see cref="IRuleStore"/>; a reference swap makes each replacement atomic.</summary>
public sealed class MemoryRuleStore : IRuleStore
{
    private StoredRuleText? _active;

    public Task<StoredRuleText?> GetActiveAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Volatile.Read(ref _active));
    }

    public Task SetActiveAsync(StoredRuleText rules, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        StoredRuleText.ValidateFormat(rules.Format);
        cancellationToken.ThrowIfCancellationRequested();
        Volatile.Write(ref _active, rules);
        return Task.CompletedTask;
    }
}
