using Pipeline.Conformance;
using Pipeline.Core.State;

namespace Pipeline.Core.Tests.State;

public sealed class MemoryMetricHistoryConformanceTests : MetricHistoryConformance
{
    protected override Task<IMetricHistory> CreateAsync(MetricHistoryOptions options) => Task.FromResult<IMetricHistory>(new MemoryMetricHistory(options));
}
