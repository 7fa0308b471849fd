using System.Text;
using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Conformance;

/// <summary>The <see cref="IDeadLetterStore"/> contract. Derive once per implementation.</summary>
public abstract class DeadLetterStoreConformance
{
    private static readonly DateTimeOffset T0 = TestData.T0;

    /// <summary>A new, empty store.</summary>
    protected abstract Task<IDeadLetterStore> CreateStoreAsync();

    private static DeadLetter Letter(string id, DateTimeOffset recordedAt, byte[]? body = null, string detail = "InvalidJson") =>
        new(id, body ?? Encoding.UTF8.GetBytes("{\"bad\":"), new SourcePosition("3", 42, T0.AddSeconds(-5)), DeadLetterReason.Malformed, detail, recordedAt);

    private static void AssertSameLetter(DeadLetter expected, DeadLetter actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Body.ToArray(), actual.Body.ToArray());
        Assert.Equal(expected.Source, actual.Source);
        Assert.Equal(expected.Reason, actual.Reason);
        Assert.Equal(expected.Detail, actual.Detail);
        Assert.Equal(expected.RecordedAt, actual.RecordedAt);
    }

    [ConformanceFact]
    public async Task An_empty_store_returns_nothing()
    {
        var store = await CreateStoreAsync();

        Assert.Empty(await store.QueryAsync(T0.AddYears(-10), T0.AddYears(10), 100));
    }

    [ConformanceFact]
    public async Task Every_field_round_trips()
    {
        var store = await CreateStoreAsync();
        var letter = new DeadLetter(
            "dl-1",
            new byte[] { 0x7b, 0x22, 0x7d },
            new SourcePosition("partition-7", 9_000_000_001, new DateTimeOffset(2025, 3, 1, 11, 59, 58, 123, TimeSpan.Zero)),
            DeadLetterReason.FutureTimestamp,
            "ts 2031-01-01T00:00:00Z is 6y ahead of arrival",
            new DateTimeOffset(2025, 3, 1, 12, 0, 1, 456, TimeSpan.Zero).AddTicks(7));

        await store.AddAsync([letter]);
        var found = Assert.Single(await store.QueryAsync(T0, T0.AddMinutes(1), 10));

        Assert.Equal("dl-1", found.Id);
        Assert.Equal(new byte[] { 0x7b, 0x22, 0x7d }, found.Body.ToArray());
        Assert.Equal("partition-7", found.Source.Partition);
        Assert.Equal(9_000_000_001, found.Source.SequenceNumber);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 11, 59, 58, 123, TimeSpan.Zero), found.Source.EnqueuedTime);
        Assert.Equal(DeadLetterReason.FutureTimestamp, found.Reason);
        Assert.Equal("ts 2031-01-01T00:00:00Z is 6y ahead of arrival", found.Detail);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 12, 0, 1, 456, TimeSpan.Zero).AddTicks(7), found.RecordedAt);
    }

    [ConformanceFact]
    public async Task Raw_bytes_are_preserved_including_non_utf8_empty_and_large_bodies()
    {
        var store = await CreateStoreAsync();
        byte[] notUtf8 = [0xff, 0xfe, 0x00, 0xc3, 0x28, 0xa0, 0xa1, 0x80];
        var large = TestData.Pattern(150_000, seed: 3);
        await store.AddAsync(
        [
            Letter("not-utf8", T0.AddSeconds(1), notUtf8),
            Letter("empty", T0.AddSeconds(2), []),
            Letter("large", T0.AddSeconds(3), large),
        ]);

        var found = await store.QueryAsync(T0, T0.AddMinutes(1), 10);

        Assert.Equal(["not-utf8", "empty", "large"], found.Select(d => d.Id));
        Assert.Equal(new byte[] { 0xff, 0xfe, 0x00, 0xc3, 0x28, 0xa0, 0xa1, 0x80 }, found[0].Body.ToArray());
        Assert.Empty(found[1].Body.ToArray());
        Assert.Equal(TestData.Pattern(150_000, seed: 3), found[2].Body.ToArray());
    }

    [ConformanceFact]
    public async Task Adding_the_same_id_again_changes_nothing()
    {
        var store = await CreateStoreAsync();
        var original = Letter("same", T0.AddSeconds(10), detail: "first");
        await store.AddAsync([original]);

        // A redelivery is recorded later and may carry other details: the first record stands.
        await store.AddAsync([Letter("same", T0.AddSeconds(10), detail: "first"), Letter("same", T0.AddMinutes(3), detail: "second")]);

        var found = Assert.Single(await store.QueryAsync(T0, T0.AddHours(1), 10));
        AssertSameLetter(original, found);
    }

    [ConformanceFact]
    public async Task Query_is_half_open_and_oldest_first()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(
        [
            Letter("at-until", T0.AddMinutes(2)),
            Letter("at-since", T0),
            Letter("before", T0.AddTicks(-1)),
            Letter("middle", T0.AddMinutes(1)),
            Letter("just-before-until", T0.AddMinutes(2).AddTicks(-1)),
        ]);

        var found = await store.QueryAsync(T0, T0.AddMinutes(2), 100);

        Assert.Equal(["at-since", "middle", "just-before-until"], found.Select(d => d.Id));
    }

    [ConformanceFact]
    public async Task Query_spans_days_and_respects_max()
    {
        var store = await CreateStoreAsync();
        var letters = new List<DeadLetter>();
        for (var day = 3; day >= 0; day--)
        {
            letters.Add(Letter($"day{day}-late", T0.AddDays(day).AddHours(11)));
            letters.Add(Letter($"day{day}-early", T0.AddDays(day).AddHours(-11)));
        }

        await store.AddAsync(letters);

        var all = await store.QueryAsync(T0.AddDays(-1), T0.AddDays(5), 100);
        var firstThree = await store.QueryAsync(T0.AddDays(-1), T0.AddDays(5), 3);
        var window = await store.QueryAsync(T0.AddDays(1), T0.AddDays(3), 100);

        Assert.Equal(
            ["day0-early", "day0-late", "day1-early", "day1-late", "day2-early", "day2-late", "day3-early", "day3-late"],
            all.Select(d => d.Id));
        Assert.Equal(["day0-early", "day0-late", "day1-early"], firstThree.Select(d => d.Id));
        Assert.Equal(["day1-late", "day2-early", "day2-late", "day3-early"], window.Select(d => d.Id));
        Assert.Empty(await store.QueryAsync(T0.AddDays(1), T0.AddDays(1), 100));
    }

    [ConformanceFact]
    public async Task Purge_removes_only_letters_recorded_before_the_cutoff()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(
        [
            Letter("two-days", T0.AddDays(-2)),  // removed
            Letter("just-before", T0.AddTicks(-1)), // removed: recorded before the cutoff, on the same day
            Letter("at-cutoff", T0),             // kept: the cutoff itself is not older
            Letter("after", T0.AddDays(1)),      // kept
        ]);

        Assert.Equal(2, await store.PurgeAsync(T0));

        Assert.Equal(["at-cutoff", "after"], (await store.QueryAsync(T0.AddYears(-1), T0.AddYears(1), 10)).Select(d => d.Id));
        Assert.Equal(0, await store.PurgeAsync(T0)); // nothing left to remove
        await store.AddAsync([Letter("new", T0.AddDays(2))]); // the store keeps working after a purge
        Assert.Equal(["at-cutoff", "after", "new"], (await store.QueryAsync(T0.AddYears(-1), T0.AddYears(1), 10)).Select(d => d.Id));
    }

    [ConformanceFact]
    public async Task Purging_an_empty_store_removes_nothing()
    {
        var store = await CreateStoreAsync();

        Assert.Equal(0, await store.PurgeAsync(T0));
    }
}
