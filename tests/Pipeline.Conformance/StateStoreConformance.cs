using System.Text;
using Pipeline.Core.State;

namespace Pipeline.Conformance;

/// <summary>The <see cref="IStateStore"/> contract. Derive once per implementation.</summary>
public abstract class StateStoreConformance
{
    private static readonly DateTimeOffset T0 = TestData.T0;

    /// <summary>A new, empty store.</summary>
    protected abstract Task<IStateStore> CreateStoreAsync();

    /// <summary>
    /// A second instance over the same storage as <paramref name="first"/>, as another host instance would open it.
    /// In-process stores with nothing to share return <paramref name="first"/> itself.
    /// </summary>
    protected virtual Task<IStateStore> OpenSecondInstanceAsync(IStateStore first) => Task.FromResult(first);

    [ConformanceFact]
    public async Task Load_of_missing_keys_returns_nothing()
    {
        var store = await CreateStoreAsync();

        var loaded = await store.LoadAsync(["nobody", "nothing"]);

        Assert.Empty(loaded);
    }

    [ConformanceFact]
    public async Task Save_new_key_with_null_etag_then_load_returns_snapshot_etag_and_deadline()
    {
        var store = await CreateStoreAsync();

        var etag = await store.SaveAsync(new StateWrite("d1", new byte[] { 1, 2, 3 }, null, T0.AddMinutes(2)));
        var loaded = await store.LoadAsync(["d1"]);

        var state = Assert.Single(loaded).Value;
        Assert.Equal("d1", state.Key);
        Assert.Equal(new byte[] { 1, 2, 3 }, state.Snapshot.ToArray());
        Assert.Equal(etag, state.ETag);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 12, 2, 0, TimeSpan.Zero), state.NextDeadline);
        Assert.False(string.IsNullOrEmpty(etag));
    }

    [ConformanceFact]
    public async Task Load_many_keys_returns_only_the_stored_ones()
    {
        var store = await CreateStoreAsync();
        for (var i = 0; i < 40; i += 2)
        {
            await store.SaveAsync(new StateWrite($"k{i}", new byte[] { (byte)i }, null, null));
        }

        var keys = Enumerable.Range(0, 40).Select(i => $"k{i}").ToArray();
        var loaded = await store.LoadAsync(keys);

        Assert.Equal(20, loaded.Count);
        Assert.Equal(new byte[] { 38 }, loaded["k38"].Snapshot.ToArray());
        Assert.False(loaded.ContainsKey("k39"));
        Assert.Null(loaded["k0"].NextDeadline);
    }

    [ConformanceFact]
    public async Task Save_with_a_stale_etag_throws_a_conflict_naming_the_key()
    {
        var store = await CreateStoreAsync();
        var first = await store.SaveAsync(new StateWrite("d1", new byte[] { 1 }, null, null));
        await store.SaveAsync(new StateWrite("d1", new byte[] { 2 }, first, null));

        var conflict = await Assert.ThrowsAsync<StateConflictException>(
            () => store.SaveAsync(new StateWrite("d1", new byte[] { 3 }, first, null)));

        Assert.Equal("d1", conflict.Key);
        Assert.Equal(first, conflict.ExpectedETag);
        var loaded = await store.LoadAsync(["d1"]);
        Assert.Equal(new byte[] { 2 }, loaded["d1"].Snapshot.ToArray());
    }

    [ConformanceFact]
    public async Task Save_new_with_null_etag_when_the_key_exists_throws_a_conflict()
    {
        var store = await CreateStoreAsync();
        await store.SaveAsync(new StateWrite("d1", new byte[] { 1 }, null, null));

        var conflict = await Assert.ThrowsAsync<StateConflictException>(
            () => store.SaveAsync(new StateWrite("d1", new byte[] { 2 }, null, null)));

        Assert.Equal("d1", conflict.Key);
        Assert.Null(conflict.ExpectedETag);
        var loaded = await store.LoadAsync(["d1"]);
        Assert.Equal(new byte[] { 1 }, loaded["d1"].Snapshot.ToArray());
    }

    [ConformanceFact]
    public async Task Save_with_an_etag_when_the_key_does_not_exist_throws_a_conflict()
    {
        var store = await CreateStoreAsync();
        var otherEtag = await store.SaveAsync(new StateWrite("other", new byte[] { 1 }, null, null));

        var conflict = await Assert.ThrowsAsync<StateConflictException>(
            () => store.SaveAsync(new StateWrite("d1", new byte[] { 2 }, otherEtag, null)));

        Assert.Equal("d1", conflict.Key);
        Assert.Empty(await store.LoadAsync(["d1"]));
    }

    [ConformanceFact]
    public async Task Every_write_returns_a_new_etag_that_the_next_write_must_present()
    {
        var store = await CreateStoreAsync();
        var etags = new List<string>();
        string? current = null;
        for (var i = 0; i < 4; i++)
        {
            current = await store.SaveAsync(new StateWrite("d1", new byte[] { (byte)i }, current, null));
            etags.Add(current);
        }

        Assert.Equal(4, etags.Distinct(StringComparer.Ordinal).Count());
        var loaded = await store.LoadAsync(["d1"]);
        Assert.Equal(etags[^1], loaded["d1"].ETag);
        Assert.Equal(new byte[] { 3 }, loaded["d1"].Snapshot.ToArray());
    }

    [ConformanceFact]
    public async Task Concurrent_writers_on_one_key_exactly_one_wins()
    {
        var store = await CreateStoreAsync();
        var etag = await store.SaveAsync(new StateWrite("hot", new byte[] { 0 }, null, null));
        const int Writers = 8;

        var attempts = Enumerable.Range(1, Writers).Select(i => Task.Run(async () =>
        {
            try
            {
                await store.SaveAsync(new StateWrite("hot", new byte[] { (byte)i }, etag, T0.AddMinutes(i)));
                return i;
            }
            catch (StateConflictException)
            {
                return -1;
            }
        })).ToArray();
        var outcomes = await Task.WhenAll(attempts);

        var winner = Assert.Single(outcomes, o => o > 0);
        Assert.Equal(Writers - 1, outcomes.Count(o => o == -1));
        var loaded = await store.LoadAsync(["hot"]);
        Assert.Equal(new byte[] { (byte)winner }, loaded["hot"].Snapshot.ToArray());
        Assert.Equal(T0.AddMinutes(winner), loaded["hot"].NextDeadline);
        Assert.Equal(["hot"], await store.GetDueKeysAsync(T0.AddHours(1), 100));
    }

    [ConformanceFact]
    public async Task Concurrent_creators_of_one_key_exactly_one_wins()
    {
        var store = await CreateStoreAsync();

        var attempts = Enumerable.Range(1, 6).Select(i => Task.Run(async () =>
        {
            try
            {
                await store.SaveAsync(new StateWrite("new", new byte[] { (byte)i }, null, null));
                return i;
            }
            catch (StateConflictException)
            {
                return -1;
            }
        })).ToArray();
        var outcomes = await Task.WhenAll(attempts);

        var winner = Assert.Single(outcomes, o => o > 0);
        var loaded = await store.LoadAsync(["new"]);
        Assert.Equal(new byte[] { (byte)winner }, loaded["new"].Snapshot.ToArray());
    }

    [ConformanceFact]
    public async Task Snapshot_bytes_round_trip_exactly_from_empty_to_200_KB()
    {
        var store = await CreateStoreAsync();
        int[] sizes = [0, 1, 65_535, 65_536, 65_537, 131_072, 200_000];
        foreach (var size in sizes)
        {
            await store.SaveAsync(new StateWrite($"size-{size}", TestData.Pattern(size, seed: size), null, null));
        }

        var loaded = await store.LoadAsync(sizes.Select(s => $"size-{s}").ToArray());

        foreach (var size in sizes)
        {
            var bytes = loaded[$"size-{size}"].Snapshot.ToArray();
            Assert.Equal(size, bytes.Length);
            Assert.Equal(TestData.Pattern(size, seed: size), bytes);
        }
    }

    [ConformanceFact]
    public async Task A_shorter_snapshot_replaces_a_longer_one_completely()
    {
        var store = await CreateStoreAsync();
        var etag = await store.SaveAsync(new StateWrite("shrink", TestData.Pattern(200_000), null, null));

        await store.SaveAsync(new StateWrite("shrink", new byte[] { 9, 8, 7 }, etag, null));

        var loaded = await store.LoadAsync(["shrink"]);
        Assert.Equal(new byte[] { 9, 8, 7 }, loaded["shrink"].Snapshot.ToArray());
    }

    [ConformanceFact]
    public async Task Keys_with_reserved_characters_round_trip_and_stay_distinct()
    {
        var store = await CreateStoreAsync();
        string[] keys =
        [
            "a/b", "a%2Fb", "a%2fb", "a\\b", "a#b", "a?b", "tab\tkey", "ctl\u0001\u001f\u007f\u0085\u009f", "%", "%%25",
            "unicode-ключ-温度-🔥", "quote'key", "' or PartitionKey ne '", "trailing.", " spaced key ", new string('x', 200),
        ];
        foreach (var key in keys)
        {
            await store.SaveAsync(new StateWrite(key, Encoding.UTF8.GetBytes(key), null, T0));
        }

        var loaded = await store.LoadAsync(keys);

        Assert.Equal(keys.Length, loaded.Count);
        foreach (var key in keys)
        {
            Assert.Equal(key, loaded[key].Key);
            Assert.Equal(Encoding.UTF8.GetBytes(key), loaded[key].Snapshot.ToArray());
        }

        var due = await store.GetDueKeysAsync(T0, 100);
        Assert.Equal(keys.OrderBy(k => k, StringComparer.Ordinal), due.OrderBy(k => k, StringComparer.Ordinal));
    }

    [ConformanceFact]
    public async Task An_empty_key_is_rejected()
    {
        var store = await CreateStoreAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.SaveAsync(new StateWrite(string.Empty, new byte[] { 1 }, null, null)));
    }

    [ConformanceFact]
    public async Task Due_keys_are_those_at_or_before_asOf_earliest_first()
    {
        var store = await CreateStoreAsync();
        await store.SaveAsync(new StateWrite("at-3m", new byte[] { 1 }, null, T0.AddMinutes(3)));
        await store.SaveAsync(new StateWrite("at-1m", new byte[] { 1 }, null, T0.AddMinutes(1)));
        await store.SaveAsync(new StateWrite("at-2m", new byte[] { 1 }, null, T0.AddMinutes(2)));
        await store.SaveAsync(new StateWrite("at-10m", new byte[] { 1 }, null, T0.AddMinutes(10)));
        await store.SaveAsync(new StateWrite("none", new byte[] { 1 }, null, null));

        var due = await store.GetDueKeysAsync(T0.AddMinutes(3), 100);

        Assert.Equal(["at-1m", "at-2m", "at-3m"], due);
    }

    [ConformanceFact]
    public async Task Due_keys_are_ordered_by_instant_across_minutes_days_and_offsets()
    {
        var store = await CreateStoreAsync();
        var plusTwo = TimeSpan.FromHours(2);

        // 13:30+02:00 is 11:30Z: earlier than T0 (12:00Z) although its local clock reads later.
        await store.SaveAsync(new StateWrite("plus-two", new byte[] { 1 }, null, new DateTimeOffset(2025, 3, 1, 13, 30, 0, plusTwo)));
        await store.SaveAsync(new StateWrite("t0", new byte[] { 1 }, null, T0));
        await store.SaveAsync(new StateWrite("yesterday", new byte[] { 1 }, null, T0.AddDays(-1)));
        await store.SaveAsync(new StateWrite("t0+30s", new byte[] { 1 }, null, T0.AddSeconds(30)));
        await store.SaveAsync(new StateWrite("t0+10ms", new byte[] { 1 }, null, T0.AddMilliseconds(10)));

        var due = await store.GetDueKeysAsync(T0.AddSeconds(30), 100);

        Assert.Equal(["yesterday", "plus-two", "t0", "t0+10ms", "t0+30s"], due);
    }

    [ConformanceFact]
    public async Task A_deadline_later_in_the_same_minute_as_asOf_is_not_due()
    {
        var store = await CreateStoreAsync();
        await store.SaveAsync(new StateWrite("later", new byte[] { 1 }, null, T0.AddSeconds(40)));
        await store.SaveAsync(new StateWrite("exact", new byte[] { 1 }, null, T0.AddSeconds(10)));

        var due = await store.GetDueKeysAsync(T0.AddSeconds(10), 100);

        Assert.Equal(["exact"], due);
    }

    [ConformanceFact]
    public async Task Due_keys_respect_maxKeys_keeping_the_earliest()
    {
        var store = await CreateStoreAsync();
        for (var i = 5; i >= 1; i--)
        {
            await store.SaveAsync(new StateWrite($"k{i}", new byte[] { 1 }, null, T0.AddMinutes(i)));
        }

        Assert.Equal(["k1", "k2"], await store.GetDueKeysAsync(T0.AddHours(1), 2));
        Assert.Empty(await store.GetDueKeysAsync(T0.AddHours(1), 0));
        Assert.Empty(await store.GetDueKeysAsync(T0, 10));
    }

    [ConformanceFact]
    public async Task Moving_a_deadline_removes_the_old_entry()
    {
        var store = await CreateStoreAsync();
        var etag = await store.SaveAsync(new StateWrite("mover", new byte[] { 1 }, null, T0.AddMinutes(1)));
        etag = await store.SaveAsync(new StateWrite("mover", new byte[] { 2 }, etag, T0.AddHours(1)));

        Assert.Empty(await store.GetDueKeysAsync(T0.AddMinutes(2), 10));
        Assert.Equal(["mover"], await store.GetDueKeysAsync(T0.AddHours(1), 10));

        await store.SaveAsync(new StateWrite("mover", new byte[] { 3 }, etag, T0.AddMinutes(1)));

        Assert.Equal(["mover"], await store.GetDueKeysAsync(T0.AddMinutes(2), 10));
    }

    [ConformanceFact]
    public async Task Clearing_a_deadline_removes_the_key_from_the_index()
    {
        var store = await CreateStoreAsync();
        var etag = await store.SaveAsync(new StateWrite("done", new byte[] { 1 }, null, T0));
        await store.SaveAsync(new StateWrite("done", new byte[] { 2 }, etag, null));

        Assert.Empty(await store.GetDueKeysAsync(T0.AddYears(1), 10));
        var loaded = await store.LoadAsync(["done"]);
        Assert.Null(loaded["done"].NextDeadline);
    }

    [ConformanceFact]
    public async Task A_key_appears_once_however_often_its_deadline_moved()
    {
        var store = await CreateStoreAsync();
        string? etag = null;
        TimeSpan[] moves = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(5), TimeSpan.FromHours(3), TimeSpan.FromMinutes(3)];
        foreach (var move in moves)
        {
            etag = await store.SaveAsync(new StateWrite("busy", new byte[] { 1 }, etag, T0.Add(move)));
        }

        await store.SaveAsync(new StateWrite("quiet", new byte[] { 1 }, null, T0.AddMinutes(2)));

        Assert.Equal(["quiet", "busy"], await store.GetDueKeysAsync(T0.AddDays(1), 10));
        Assert.Equal(["quiet"], await store.GetDueKeysAsync(T0.AddMinutes(2), 10));
    }

    [ConformanceFact]
    public async Task A_rejected_write_does_not_change_the_deadline_index()
    {
        var store = await CreateStoreAsync();
        var first = await store.SaveAsync(new StateWrite("k", new byte[] { 1 }, null, T0.AddHours(1)));
        await store.SaveAsync(new StateWrite("k", new byte[] { 2 }, first, T0.AddHours(1)));

        await Assert.ThrowsAsync<StateConflictException>(
            () => store.SaveAsync(new StateWrite("k", new byte[] { 3 }, first, T0.AddMinutes(1))));
        await Assert.ThrowsAsync<StateConflictException>(
            () => store.SaveAsync(new StateWrite("k", new byte[] { 3 }, null, T0.AddMinutes(2))));

        Assert.Empty(await store.GetDueKeysAsync(T0.AddMinutes(5), 10));
        Assert.Equal(["k"], await store.GetDueKeysAsync(T0.AddHours(1), 10));
    }

    [ConformanceFact]
    public async Task Many_due_keys_come_back_in_order_in_pages_of_maxKeys()
    {
        var store = await CreateStoreAsync();
        var expected = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            // Spread over 30 minutes, written out of order.
            var minute = (i * 7) % 30;
            await store.SaveAsync(new StateWrite($"m{minute:D2}", new byte[] { 1 }, null, T0.AddMinutes(minute).AddSeconds(1)));
        }

        for (var minute = 0; minute < 30; minute++)
        {
            expected.Add($"m{minute:D2}");
        }

        Assert.Equal(expected.Take(12), await store.GetDueKeysAsync(T0.AddHours(1), 12));
        Assert.Equal(expected, await store.GetDueKeysAsync(T0.AddHours(1), 1000));
    }

    [ConformanceFact]
    public async Task Save_many_writes_each_key_under_its_own_etag_and_refuses_only_the_stale_ones()
    {
        var store = await CreateStoreAsync();
        var b = await store.SaveAsync(new StateWrite("b", new byte[] { 1 }, null, T0.AddHours(1)));
        var staleC = await store.SaveAsync(new StateWrite("c", new byte[] { 1 }, null, T0.AddHours(1)));
        await store.SaveAsync(new StateWrite("c", new byte[] { 2 }, staleC, T0.AddHours(1)));
        await store.SaveAsync(new StateWrite("d", new byte[] { 1 }, null, T0.AddHours(1)));

        var results = await store.SaveManyAsync(
        [
            new StateWrite("a", new byte[] { 9 }, null, T0.AddMinutes(1)),     // new key: written
            new StateWrite("b", new byte[] { 9 }, b, T0.AddMinutes(2)),        // current ETag: written
            new StateWrite("c", new byte[] { 9 }, staleC, T0.AddMinutes(3)),   // stale ETag: conflict
            new StateWrite("d", new byte[] { 9 }, null, T0.AddMinutes(4)),     // "new" but exists: conflict
        ]);

        Assert.Equal(["a", "b", "c", "d"], results.Select(r => r.Key));
        Assert.Equal([false, false, true, true], results.Select(r => r.Conflicted));
        Assert.NotEqual(b, results[1].ETag);
        var loaded = await store.LoadAsync(["a", "b", "c", "d"]);
        Assert.Equal(results[0].ETag, loaded["a"].ETag);
        Assert.Equal(results[1].ETag, loaded["b"].ETag);
        Assert.Equal(new byte[] { 9 }, loaded["a"].Snapshot.ToArray());
        Assert.Equal(new byte[] { 9 }, loaded["b"].Snapshot.ToArray());
        Assert.Equal(new byte[] { 2 }, loaded["c"].Snapshot.ToArray());
        Assert.Equal(new byte[] { 1 }, loaded["d"].Snapshot.ToArray());

        // Only the written keys moved their deadlines.
        Assert.Equal(["a", "b"], await store.GetDueKeysAsync(T0.AddMinutes(30), 10));
    }

    [ConformanceFact]
    public async Task Save_many_of_hundreds_of_keys_writes_them_all_with_their_deadlines()
    {
        var store = await CreateStoreAsync();
        var keys = Enumerable.Range(0, 250).Select(i => $"fleet/{i:D3}").ToArray();

        var created = await store.SaveManyAsync(keys.Select((k, i) => new StateWrite(k, TestData.Pattern(300, i), null, T0.AddSeconds(i))).ToList());
        var updated = await store.SaveManyAsync(keys.Select((k, i) => new StateWrite(k, TestData.Pattern(200, i + 1), created[i].ETag, i % 2 == 0 ? T0.AddSeconds(i) : null)).ToList());

        Assert.All(created.Concat(updated), r => Assert.False(r.Conflicted));
        var loaded = await store.LoadAsync(keys);
        Assert.Equal(250, loaded.Count);
        Assert.Equal(TestData.Pattern(200, 250), loaded["fleet/249"].Snapshot.ToArray());
        Assert.Equal(updated[249].ETag, loaded["fleet/249"].ETag);
        Assert.Equal(keys.Where((_, i) => i % 2 == 0), await store.GetDueKeysAsync(T0.AddHours(1), 1000));
    }

    [ConformanceFact]
    public async Task Two_instances_saving_the_same_keys_from_the_same_load_one_wins_every_key()
    {
        var first = await CreateStoreAsync();
        var second = await OpenSecondInstanceAsync(first);
        var keys = Enumerable.Range(0, 20).Select(i => $"k{i:D2}").ToArray();
        await first.SaveManyAsync(keys.Select(k => new StateWrite(k, new byte[] { 0 }, null, null)).ToList());
        var loadedByFirst = await first.LoadAsync(keys);
        var loadedBySecond = await second.LoadAsync(keys);

        // Both apply the same redelivered batch to the same loaded state; the first to save wins every key.
        var won = await first.SaveManyAsync(keys.Select(k => new StateWrite(k, new byte[] { 1 }, loadedByFirst[k].ETag, T0)).ToList());
        var lost = await second.SaveManyAsync(keys.Select(k => new StateWrite(k, new byte[] { 2 }, loadedBySecond[k].ETag, T0.AddDays(1))).ToList());

        Assert.All(won, r => Assert.False(r.Conflicted));
        Assert.All(lost, r => Assert.True(r.Conflicted));
        var reloaded = await second.LoadAsync(keys);
        Assert.All(keys, k => Assert.Equal(new byte[] { 1 }, reloaded[k].Snapshot.ToArray()));
        Assert.Equal(keys, await second.GetDueKeysAsync(T0, 100));

        // Having reloaded, the second instance writes on top of the winner.
        var retried = await second.SaveManyAsync(keys.Select(k => new StateWrite(k, new byte[] { 3 }, reloaded[k].ETag, null)).ToList());
        Assert.All(retried, r => Assert.False(r.Conflicted));
        Assert.Empty(await first.GetDueKeysAsync(T0.AddDays(2), 100));
    }

    [ConformanceFact]
    public async Task Saving_the_same_batch_again_is_refused_and_changes_nothing()
    {
        var store = await CreateStoreAsync();
        var batch = new List<StateWrite>
        {
            new("x", new byte[] { 1 }, null, T0.AddMinutes(1)),
            new("y", new byte[] { 1 }, null, T0.AddMinutes(2)),
        };
        var saved = await store.SaveManyAsync(batch);

        var again = await store.SaveManyAsync(batch);

        Assert.All(again, r => Assert.True(r.Conflicted));
        var loaded = await store.LoadAsync(["x", "y"]);
        Assert.Equal(saved[0].ETag, loaded["x"].ETag);
        Assert.Equal(saved[1].ETag, loaded["y"].ETag);
        Assert.Equal(["x", "y"], await store.GetDueKeysAsync(T0.AddMinutes(5), 10));
    }

    [ConformanceFact]
    public async Task Save_many_rejects_a_key_written_twice_in_one_call_and_writes_nothing()
    {
        var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveManyAsync(
        [
            new StateWrite("twice", new byte[] { 1 }, null, null),
            new StateWrite("twice", new byte[] { 2 }, null, null),
        ]));

        Assert.Empty(await store.LoadAsync(["twice"]));
    }
}
