using Pipeline.Core.Alerts.Silences;

namespace Pipeline.Conformance;

/// <summary>The <see cref="ISilenceStore"/> contract. Derive once per implementation.</summary>
public abstract class SilenceStoreConformance
{
    private static readonly DateTimeOffset T0 = TestData.T0;

    /// <summary>A new, empty store.</summary>
    protected abstract Task<ISilenceStore> CreateStoreAsync();

    /// <summary>A second store over the same storage as <paramref name="store"/> (another process or instance).</summary>
    protected abstract Task<ISilenceStore> OpenSameAsync(ISilenceStore store);

    private static Silence S(string id, int fromMinutes, int toMinutes, string? rule = "overheat", string? device = null) => new()
    {
        Id = id,
        RuleId = rule,
        Device = device,
        StartsAt = T0.AddMinutes(fromMinutes),
        EndsAt = T0.AddMinutes(toMinutes),
        Author = "ops@example.com",
        Comment = "maintenance",
    };

    [ConformanceFact]
    public async Task An_empty_store_lists_nothing()
    {
        var store = await CreateStoreAsync();

        Assert.Empty(await store.ListAsync());
    }

    [ConformanceFact]
    public async Task Silences_round_trip_with_every_field_ordered_by_start()
    {
        var store = await CreateStoreAsync();
        var labelled = S("s2", 0, 60, rule: null) with
        {
            Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["site"] = "plant-6", ["zone"] = "ключ °C" },
            StartsAt = T0.AddTicks(3),
        };

        await store.AddAsync(S("s1", 5, 30, device: "chiller-01"), T0);
        await store.AddAsync(labelled, T0);
        var listed = await store.ListAsync();

        Assert.Equal(["s2", "s1"], listed.Select(s => s.Id));
        Assert.Equal(T0.AddTicks(3), listed[0].StartsAt);
        Assert.Null(listed[0].RuleId);
        Assert.Equal(labelled.Labels, listed[0].Labels);
        Assert.Equal("chiller-01", listed[1].Device);
        Assert.Equal(S("s1", 5, 30, device: "chiller-01") with { Labels = listed[1].Labels }, listed[1]);
        Assert.Empty(listed[1].Labels);
    }

    [ConformanceFact]
    public async Task An_invalid_silence_is_refused_with_every_bad_field_named_and_nothing_is_stored()
    {
        var store = await CreateStoreAsync();
        var bad = S("s1", 10, 5, rule: null) with { Author = " " };

        var error = await Assert.ThrowsAsync<SilenceValidationException>(() => store.AddAsync(bad, T0));

        Assert.Equal(["matchers", "endsAt", "author"], error.Errors.Select(e => e[..e.IndexOf(':', StringComparison.Ordinal)]));
        Assert.Empty(await store.ListAsync());
    }

    [ConformanceFact]
    public async Task A_silence_that_already_ended_or_reuses_an_id_is_refused()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(S("s1", 0, 30), T0);

        var ended = await Assert.ThrowsAsync<SilenceValidationException>(() => store.AddAsync(S("s2", 0, 10), T0.AddMinutes(20)));
        var duplicate = await Assert.ThrowsAsync<SilenceValidationException>(() => store.AddAsync(S("s1", 0, 60), T0));

        Assert.StartsWith("endsAt: must be in the future", Assert.Single(ended.Errors), StringComparison.Ordinal);
        Assert.Equal("id: a silence with id 's1' already exists", Assert.Single(duplicate.Errors));
        var kept = Assert.Single(await store.ListAsync());
        Assert.Equal(("s1", T0.AddMinutes(30)), (kept.Id, kept.EndsAt));
    }

    [ConformanceFact]
    public async Task Expiring_ends_an_active_silence_now_and_a_future_one_before_it_starts()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(S("active", 0, 60), T0);
        await store.AddAsync(S("future", 30, 60), T0);

        var active = await store.ExpireAsync("active", T0.AddMinutes(10));
        var future = await store.ExpireAsync("future", T0.AddMinutes(10));
        var unknown = await store.ExpireAsync("nope", T0.AddMinutes(10));

        Assert.Equal(T0.AddMinutes(10), active!.EndsAt);
        Assert.Equal(T0.AddMinutes(30), future!.EndsAt);
        Assert.Null(unknown);
        var listed = await store.ListAsync();
        Assert.False(listed.Single(s => s.Id == "active").IsActiveAt(T0.AddMinutes(10)));
        Assert.True(listed.Single(s => s.Id == "active").IsActiveAt(T0.AddMinutes(9)));
        Assert.False(listed.Single(s => s.Id == "future").IsActiveAt(T0.AddMinutes(30)));
    }

    [ConformanceFact]
    public async Task Expiring_an_expired_silence_changes_nothing()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(S("s1", 0, 10), T0);

        var again = await store.ExpireAsync("s1", T0.AddMinutes(20));

        Assert.Equal(T0.AddMinutes(10), again!.EndsAt);
        Assert.Equal(T0.AddMinutes(10), Assert.Single(await store.ListAsync()).EndsAt);
    }

    [ConformanceFact]
    public async Task Purge_removes_only_silences_that_ended_before_the_cut_off()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(S("old", 0, 10), T0);
        await store.AddAsync(S("recent", 0, 50), T0);
        await store.AddAsync(S("active", 0, 120), T0);

        var removed = await store.PurgeAsync(T0.AddMinutes(30));

        Assert.Equal(1, removed);
        Assert.Equal(["active", "recent"], (await store.ListAsync()).Select(s => s.Id).Order(StringComparer.Ordinal));
    }

    [ConformanceFact]
    public async Task A_write_drops_silences_that_ended_more_than_a_week_ago()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(S("old", 0, 10), T0);                                   // ends at 10m
        const int Week = 7 * 24 * 60;

        await store.AddAsync(S("new", Week, Week + 60), T0.AddMinutes(Week + 11));   // a week and a minute after 'old' ended

        Assert.Equal(["new"], (await store.ListAsync()).Select(s => s.Id));
    }

    [ConformanceFact]
    public async Task Two_stores_over_the_same_storage_see_and_keep_each_others_silences()
    {
        var first = await CreateStoreAsync();
        var second = await OpenSameAsync(first);

        await Task.WhenAll(
            Task.Run(async () =>
            {
                for (var i = 0; i < 5; i++)
                {
                    await first.AddAsync(S("a" + i, 0, 60), T0);
                }
            }),
            Task.Run(async () =>
            {
                for (var i = 0; i < 5; i++)
                {
                    await second.AddAsync(S("b" + i, 0, 60), T0);
                }
            }));

        Assert.Equal(10, (await first.ListAsync()).Count);
        Assert.Equal(10, (await second.ListAsync()).Count);
    }
}
