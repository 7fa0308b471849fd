using Pipeline.Conformance;
using Pipeline.Core.State;

namespace Pipeline.Core.Tests.State;

public sealed class MemoryDeadLetterStoreConformanceTests : DeadLetterStoreConformance
{
    protected override Task<IDeadLetterStore> CreateStoreAsync() => Task.FromResult<IDeadLetterStore>(new MemoryDeadLetterStore());
}
