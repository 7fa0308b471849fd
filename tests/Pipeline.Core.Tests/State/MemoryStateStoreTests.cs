using Pipeline.Conformance;
using Pipeline.Core.State;

namespace Pipeline.Core.Tests.State;

public sealed class MemoryStateStoreConformanceTests : StateStoreConformance
{
    protected override Task<IStateStore> CreateStoreAsync() => Task.FromResult<IStateStore>(new MemoryStateStore());
}

public sealed class MemoryStateStoreTests
{
    [Fact]
    public async Task Count_is_the_number_of_keys_and_a_caller_reusing_its_buffer_does_not_change_the_stored_bytes()
    {
        var store = new MemoryStateStore();
        var buffer = new byte[] { 1, 2, 3 };
        var etag = await store.SaveAsync(new StateWrite("a", buffer, null, null));
        await store.SaveAsync(new StateWrite("b", buffer, null, null));
        await store.SaveAsync(new StateWrite("a", buffer, etag, null));

        buffer[0] = 99;

        Assert.Equal(2, store.Count);
        Assert.Equal(new byte[] { 1, 2, 3 }, (await store.LoadAsync(["a"]))["a"].Snapshot.ToArray());
    }
}
