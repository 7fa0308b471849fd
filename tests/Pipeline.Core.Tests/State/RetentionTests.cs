using System.Text;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Core.Tests.State;

public sealed class RetentionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static DeadLetter Letter(string id, DateTimeOffset recordedAt) =>
        new(id, Encoding.UTF8.GetBytes("{}"), new SourcePosition("0", 1, recordedAt), DeadLetterReason.Malformed, "NotObject", recordedAt);

    private static AlertEvent Alert(string id, string episode, AlertTransitionKind kind, long sequence, DateTimeOffset time) =>
        Pipeline.Conformance.AlertSamples.Alert(id, episode, kind, sequence, time);

    [Fact]
    public void The_defaults_are_30_days_of_history_and_closed_episodes_and_14_days_of_dead_letters_and_metric_history()
    {
        var options = new RetentionOptions();

        Assert.Equal((TimeSpan.FromDays(30), TimeSpan.FromDays(30), TimeSpan.FromDays(14), TimeSpan.FromDays(14)),
            (options.AlertHistory, options.ClosedEpisodes, options.DeadLetters, options.MetricHistory));
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void A_retention_under_an_hour_is_an_error_naming_the_setting()
    {
        var errors = new RetentionOptions { DeadLetters = TimeSpan.FromMinutes(5), AlertHistory = TimeSpan.Zero, MetricHistory = TimeSpan.FromMinutes(59) }.Validate();

        Assert.Equal(
            [
                "Pipeline:Retention:AlertHistory must be at least 1 hour (a duration like 30.00:00:00 for 30 days), got 00:00:00",
                "Pipeline:Retention:DeadLetters must be at least 1 hour (a duration like 30.00:00:00 for 30 days), got 00:05:00",
                "Pipeline:Retention:MetricHistory must be at least 1 hour (a duration like 30.00:00:00 for 30 days), got 00:59:00",
            ],
            errors);
    }

    [Fact]
    public async Task Applying_the_defaults_as_time_passes_removes_each_record_once_it_is_past_its_retention()
    {
        var time = new FakeTimeProvider(T0);
        var history = new MemoryAlertHistory();
        var deadLetters = new MemoryDeadLetterStore();
        var options = new RetentionOptions();
        await history.RecordAsync(
        [
            Alert("a1", "ep-a", AlertTransitionKind.Fired, 1, T0),
            Alert("a2", "ep-a", AlertTransitionKind.Resolved, 2, T0.AddDays(1)),
        ]);
        await deadLetters.AddAsync([Letter("d1", T0), Letter("d2", T0.AddDays(1))]);
        var metrics = new MemoryMetricHistory();
        metrics.Record([new Telemetry("m1", T0, new Dictionary<string, double> { ["temperature"] = 1 })]);
        metrics.RecordState("m1", pending: false, T0);
        metrics.RecordState("ghost", pending: false, T0.AddDays(1)); // an expected key that never sends, listed at day 1

        // Timeline: days after T0 -> (alert records, dead letters, devices' metric history removed). A cutoff is
        // exclusive: a record exactly as old as its retention is kept.
        var removed = new List<(int Days, RetentionResult Result)>();
        foreach (var days in new[] { 1, 14, 15, 16, 30, 31, 32, 33 })
        {
            time.SetUtcNow(T0.AddDays(days));
            removed.Add((days, await Retention.ApplyAsync(options, time.GetUtcNow(), history, deadLetters, metrics)));
        }

        Assert.Equal(
            [
                (1, new RetentionResult(0, 0, 0)),  // nothing is old yet
                (14, new RetentionResult(0, 0, 0)), // d1 and m1's last event are exactly 14 days old: kept
                (15, new RetentionResult(0, 1, 1)), // d1 and m1 are past 14 days
                (16, new RetentionResult(0, 1, 1)), // d2 and ghost (listed at day 1) are past 14 days
                (30, new RetentionResult(0, 0, 0)), // a1 is exactly 30 days old: kept
                (31, new RetentionResult(1, 0, 0)), // a1 is past 30 days; ep-a closed (a2) exactly 30 days ago: kept
                (32, new RetentionResult(2, 0, 0)), // a2 and the record of ep-a, closed by it, are past 30 days
                (33, new RetentionResult(0, 0, 0)), // everything is gone
            ],
            removed);
    }
}
