using Pipeline.Conformance;
using Pipeline.Core.Rules;

namespace Pipeline.Core.Tests.Rules;

public sealed class MemoryRuleStoreConformanceTests : RuleStoreConformance
{
    protected override Task<IRuleStore> CreateStoreAsync() => Task.FromResult<IRuleStore>(new MemoryRuleStore());
}
