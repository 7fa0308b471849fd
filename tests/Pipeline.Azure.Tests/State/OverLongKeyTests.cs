using System.Text;
using Azure;
using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;
using Pipeline.Core.State;

namespace Pipeline.Azure.Tests.State;

/// <summary>
/// A device id that escapes to a Table key over 1 KiB: Table storage answers 400 for it on every try, so the processor
/// must dead-letter that event when it decodes it and still save the good events of the same batch.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class OverLongKeyTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = TestData.T0;

    private async Task<TableStateStore> CreateStoreAsync(string stateTable)
    {
        var store = new TableStateStore(azurite.CreateTableServiceClient(), stateTable);
        await store.EnsureCreatedAsync();
        return store;
    }

    private Task<TableStateStore> CreateStoreAsync() => CreateStoreAsync(TestData.UniqueName("state"));

    private static RawEvent Event(string deviceId, long sequence, int value) => new(
        Encoding.UTF8.GetBytes($$"""{"deviceId":"{{deviceId}}","ts":"{{T0:O}}","temperature":{{value}}}"""),
        new SourcePosition("0", sequence, T0));

    [AzuriteFact]
    public async Task The_store_itself_refuses_a_key_that_escapes_past_1_KiB()
    {
        var store = await CreateStoreAsync();
        foreach (var key in new[] { new string('#', 171), new string('%', 200), new string('/', 256) })
        {
            // What the decode-time check guards against: the real service answers 400, however often it is asked.
            var refused = await Assert.ThrowsAsync<RequestFailedException>(() => store.SaveAsync(new StateWrite(key, new byte[] { 1 }, null, null)));
            Assert.Equal(400, refused.Status);
            Assert.NotNull(store.Check(key));
        }
    }

    [AzuriteFact]
    public async Task A_key_that_escapes_to_exactly_512_characters_is_stored()
    {
        var store = await CreateStoreAsync();
        var key = new string('#', 170) + "ab"; // 510 + 2 characters escaped

        Assert.Null(store.Check(key));
        var etag = await store.SaveAsync(new StateWrite(key, new byte[] { 1 }, null, T0.AddMinutes(1)));
        Assert.False(string.IsNullOrEmpty(etag));
        Assert.Contains(key, (await store.LoadAsync([key])).Keys);
    }

    [AzuriteFact]
    public async Task Over_long_keys_are_dead_lettered_and_the_good_events_of_the_batch_are_saved()
    {
        var stateTable = TestData.UniqueName("state");
        var store = await CreateStoreAsync(stateTable);
        var deadLetters = new MemoryDeadLetterStore();
        var rules = RuleSetLoader.Load("rules:\n  - id: hot\n    metric: temperature\n    when: \"> 80\"\n    severity: critical\n").RuleSet!;
        using var processor = new PartitionProcessor(rules, store, new MemoryAlertSink(), deadLetters);

        var result = await processor.ProcessAsync(
        [
            Event("d1", 1, 70),                    // applied
            Event(new string('#', 171), 2, 71),    // 513 characters escaped: dead-lettered
            Event(new string('%', 200), 3, 72),    // 600: dead-lettered
            Event(new string('/', 256), 4, 73),    // 768 (and at the decoder's 256-character limit): dead-lettered
            Event("d2", 5, 90),                    // applied
        ], T0.AddSeconds(1));

        Assert.Equal((5L, 2L, 3L), (result.Dispositions.Received, result.Dispositions.Applied, result.Dispositions.DeadLettered));
        var letters = (await deadLetters.QueryAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 10)).OrderBy(d => d.Source.SequenceNumber).ToList();
        Assert.Equal([2L, 3L, 4L], letters.Select(d => d.Source.SequenceNumber));
        Assert.All(letters, d => Assert.StartsWith("KeyTooLong: the device id '", d.Detail, StringComparison.Ordinal));
        Assert.Contains("escapes to a 513-character Table storage key", letters[0].Detail, StringComparison.Ordinal);
        Assert.Contains("Table keys hold at most 512 (1 KiB)", letters[0].Detail, StringComparison.Ordinal);

        // The good events are in Table storage, as a fresh reader sees them.
        var stored = await new TableStateStore(azurite.CreateTableServiceClient(), stateTable).LoadAsync(["d1", "d2"]);
        Assert.Equal(["d1", "d2"], stored.Keys.Order(StringComparer.Ordinal));
    }
}
