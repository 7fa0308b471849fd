using Pipeline.Core.Alerts;
using Pipeline.Local;
using static Pipeline.Local.Tests.Samples;

namespace Pipeline.Local.Tests;

public sealed class ConsoleAlertSinkTests
{
    [Fact]
    public async Task Plain_output_is_one_readable_line_per_transition_without_escape_codes()
    {
        using var output = new StringWriter();
        var sink = new ConsoleAlertSink(output, color: false);

        await sink.PublishAsync([Alert("a1"), Alert("a2", AlertTransitionKind.Resolved, T0.AddMinutes(5), Severity.Critical, value: 74)]);

        Assert.Equal(
            "2025-03-01 12:00:00Z  FIRED      critical  overheat              chiller-17  avg(temperature) > 85 (value 86.25) [override:site=plant-7]\n" +
            "2025-03-01 12:05:00Z  RESOLVED   critical  overheat              chiller-17  after 4m30s\n",
            output.ToString());
    }

    [Fact]
    public async Task Terminal_output_is_coloured_by_severity()
    {
        using var output = new StringWriter();
        var sink = new ConsoleAlertSink(output, color: true);

        await sink.PublishAsync(
        [
            Alert("c", severity: Severity.Critical),
            Alert("w", severity: Severity.Warning),
            Alert("r", AlertTransitionKind.Resolved),
        ]);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("\u001b[1;31m2025-03-01", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("\u001b[33m2025-03-01", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("\u001b[32m2025-03-01", lines[2], StringComparison.Ordinal);
        Assert.All(lines, l => Assert.EndsWith("\u001b[0m", l, StringComparison.Ordinal));
    }

    [Fact]
    public void Redirected_output_is_never_coloured()
    {
        Assert.False(ConsoleAlertSink.ShouldColor(redirected: true));
    }
}
