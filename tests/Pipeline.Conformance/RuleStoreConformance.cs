using System.Text;
using Pipeline.Core.Rules;

namespace Pipeline.Conformance;

/// <summary>The <see cref="IRuleStore"/> contract. Derive once per implementation.</summary>
public abstract class RuleStoreConformance
{
    private static readonly DateTimeOffset T0 = TestData.T0;

    private const string Yaml = "rules:\n  - id: overheat # ключ °C\n    metric: temperature\n    when: \"> 80\"\n";

    /// <summary>A new, empty store.</summary>
    protected abstract Task<IRuleStore> CreateStoreAsync();

    [ConformanceFact]
    public async Task An_empty_store_has_no_active_rules()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.GetActiveAsync());
    }

    [ConformanceFact]
    public async Task Rules_round_trip()
    {
        var store = await CreateStoreAsync();
        var updatedAt = new DateTimeOffset(2025, 3, 1, 13, 30, 15, 250, TimeSpan.FromHours(2)).AddTicks(3);

        await store.SetActiveAsync(new StoredRuleText(Yaml, "yaml", "sha256-abc123", updatedAt));
        var active = await store.GetActiveAsync();

        Assert.NotNull(active);
        Assert.Equal(Yaml, active.Text);
        Assert.Equal("yaml", active.Format);
        Assert.Equal("sha256-abc123", active.Version);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 11, 30, 15, 250, TimeSpan.Zero).AddTicks(3), active.UpdatedAt);
    }

    [ConformanceFact]
    public async Task Setting_rules_replaces_the_previous_ones()
    {
        var store = await CreateStoreAsync();
        await store.SetActiveAsync(new StoredRuleText(Yaml, "yaml", "v1", T0));
        const string Json = "{\"rules\":[{\"id\":\"offline\",\"detector\":{\"kind\":\"heartbeat\",\"timeout\":\"2m\"}}]}";

        await store.SetActiveAsync(new StoredRuleText(Json, "json", "v2", T0.AddMinutes(1)));

        Assert.Equal(new StoredRuleText(Json, "json", "v2", T0.AddMinutes(1)), await store.GetActiveAsync());
    }

    [ConformanceFact]
    public async Task Large_texts_round_trip()
    {
        var store = await CreateStoreAsync();
        var text = new StringBuilder();
        for (var i = 0; i < 4000; i++)
        {
            text.Append("  - { id: rule-").Append(i).Append(", metric: m").Append(i).Append(", when: \"> 1\" }\n");
        }

        await store.SetActiveAsync(new StoredRuleText(text.ToString(), "yaml", "big", T0));

        Assert.Equal(text.ToString(), (await store.GetActiveAsync())?.Text);
    }

    [ConformanceFact]
    public async Task An_unknown_format_is_rejected_and_keeps_the_previous_rules()
    {
        var store = await CreateStoreAsync();
        await store.SetActiveAsync(new StoredRuleText(Yaml, "yaml", "v1", T0));

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.SetActiveAsync(new StoredRuleText("x = 1", "toml", "v2", T0)));

        Assert.Equal("v1", (await store.GetActiveAsync())?.Version);
    }
}
