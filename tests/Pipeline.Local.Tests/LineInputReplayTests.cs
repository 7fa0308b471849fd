using System.Text;
using Pipeline.Core.Alerts;
using Pipeline.Core.Processing;
using Pipeline.Core.State;
using Pipeline.Local;

namespace Pipeline.Local.Tests;

/// <summary><see cref="LineInput.ReplayAsync"/>: a recording replayed on its own time, as <c>pipeline replay</c> does.</summary>
public sealed class LineInputReplayTests
{
    [Fact]
    public async Task A_recording_fires_and_resolves_on_its_own_time_and_its_bad_line_is_a_dead_letter_naming_the_line()
    {
        var recording = string.Join("\n",
            """{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":70}""",
            """{"deviceId":"d1","ts":"2026-01-01T00:00:10Z","temperature":90}""",
            "",
            """{"ts":"2026-01-01T00:00:20Z","temperature":99}""",
            """{"deviceId":"d1","ts":"2026-01-01T00:00:30Z","temperature":60}""") + "\n";
        var sink = new MemoryAlertSink();
        var deadLetters = new MemoryDeadLetterStore();
        using var ingress = new PartitionedProcessor(Samples.Hot, [new MemoryStateStore()], sink, deadLetters, new ProcessorOptions { Environment = "test" },
            parallel: false, sequenceBase: 0);
        var read = new List<long>();

        await LineInput.ReplayAsync("file", new MemoryStream(Encoding.UTF8.GetBytes(recording)), ingress,
            () => new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), read.Add, CancellationToken.None);

        Assert.Equal(
            [
                AlertTransitionKind.Fired,    // 90 > 80 at 00:10
                AlertTransitionKind.Resolved, // 60 at 00:30
            ],
            sink.Published.Select(a => a.Kind));
        var rejected = Assert.Single(await deadLetters.QueryAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 10));
        Assert.Contains("line 4", rejected.Detail, StringComparison.Ordinal); // the blank line 3 is skipped, not renumbered
        Assert.Equal(Encoding.UTF8.GetByteCount(recording), read[^1]); // the last progress report is the whole file
    }
}
