using Pipeline.Conformance;
using Pipeline.Core.Alerts;

namespace Pipeline.Core.Tests.Alerts;

public sealed class MemoryAlertHistoryConformanceTests : AlertHistoryConformance
{
    protected override Task<IAlertHistory> CreateHistoryAsync() => Task.FromResult<IAlertHistory>(new MemoryAlertHistory());
}
