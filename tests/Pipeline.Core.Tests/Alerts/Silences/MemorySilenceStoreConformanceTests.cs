using Pipeline.Conformance;
using Pipeline.Core.Alerts.Silences;

namespace Pipeline.Core.Tests.Alerts.Silences;

public sealed class MemorySilenceStoreConformanceTests : SilenceStoreConformance
{
    protected override Task<ISilenceStore> CreateStoreAsync() => Task.FromResult<ISilenceStore>(new MemorySilenceStore());

    // Memory is the storage: a second user of it is the same object.
    protected override Task<ISilenceStore> OpenSameAsync(ISilenceStore store) => Task.FromResult(store);
}
