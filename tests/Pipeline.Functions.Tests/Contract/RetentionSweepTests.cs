using System.Net;
using System.Text;
using System.Text.Json;
using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Hosting;

namespace Pipeline.Functions.Tests.Contract;

/// <summary>The Sweep applies the retention settings, at most once per interval, over the host's HTTP contract.</summary>
public sealed class RetentionSweepTests
{
    private static readonly DateTimeOffset SweepTime = new(2026, 3, 2, 10, 0, 30, TimeSpan.Zero);

    private static DeadLetter Letter(string name, DateTimeOffset recordedAt)
    {
        var body = Encoding.UTF8.GetBytes("{\"name\":\"" + name + "\"}");
        var source = new SourcePosition("0", 1, recordedAt);
        return new DeadLetter(DeadLetter.CreateId(source, body), body, source, DeadLetterReason.Malformed, "not telemetry", recordedAt);
    }

    private static Pipeline.Core.Events.Telemetry Reading(string device, DateTimeOffset time) =>
        new(device, time, new Dictionary<string, double> { ["temperature"] = 20 });

    private static string SweepAt(DateTimeOffset time) =>
        TestHandler.ReadPayload("sweep.json").Replace("2026-03-02T10:00:30.0021Z", time.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static async Task<string> SweepAsync(TestHandler handler, DateTimeOffset time)
    {
        using var response = await handler.InvokeAsync("Sweep", SweepAt(time));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return string.Join("\n", body.RootElement.GetProperty("Logs").EnumerateArray().Select(l => l.GetString()));
    }

    private static async Task<List<string>> NamesAsync(MemoryDeadLetterStore store) =>
        [.. (await store.QueryAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 100)).Select(l => Encoding.UTF8.GetString(l.Body.Span)).Order()];

    [Fact]
    public async Task The_sweep_removes_dead_letters_and_retired_devices_past_their_retention_at_most_once_per_interval()
    {
        var deadLetters = new MemoryDeadLetterStore();
        await deadLetters.AddAsync([Letter("old", SweepTime - TimeSpan.FromDays(15)), Letter("recent", SweepTime - TimeSpan.FromDays(13))]);
        var metrics = new MemoryMetricHistory();
        metrics.Record([Reading("retired", SweepTime - TimeSpan.FromDays(15)), Reading("active", SweepTime - TimeSpan.FromDays(13))]);
        await using var handler = await TestHandler.StartAsync(new PipelineComponents
        {
            State = new MemoryStateStore(),
            Alerts = new MemoryAlertSink(),
            DeadLetters = deadLetters,
            History = new MemoryAlertHistory(),
            Rules = new MemoryRuleStore(),
            DefaultRulesText = TestHandler.HotRules,
            Environment = "test",
            RulesRefreshInterval = TimeSpan.Zero,
            MetricHistory = metrics,
            Retention = new RetentionOptions { DeadLetters = TimeSpan.FromDays(14), MetricHistory = TimeSpan.FromDays(14) },
            RetentionInterval = TimeSpan.FromHours(1),
        });

        var first = await SweepAsync(handler, SweepTime);                                       // 10:00:30: retention runs
        Assert.Contains("Retention removed 0 alert records, 1 dead letters and the metric history of 1 devices", first, StringComparison.Ordinal);
        Assert.Equal(["{\"name\":\"recent\"}"], await NamesAsync(deadLetters));
        Assert.Equal(["active"], (await metrics.ListAsync()).Select(d => d.Key));

        await deadLetters.AddAsync([Letter("old again", SweepTime - TimeSpan.FromDays(20))]);
        var within = await SweepAsync(handler, SweepTime + TimeSpan.FromMinutes(59));           // 10:59:30: not due
        Assert.DoesNotContain("Retention", within, StringComparison.Ordinal);
        Assert.Equal(["{\"name\":\"old again\"}", "{\"name\":\"recent\"}"], await NamesAsync(deadLetters));

        var after = await SweepAsync(handler, SweepTime + TimeSpan.FromHours(1));               // 11:00:30: due again
        Assert.Contains("Retention removed 0 alert records, 1 dead letters and the metric history of 0 devices", after, StringComparison.Ordinal);
        Assert.Equal(["{\"name\":\"recent\"}"], await NamesAsync(deadLetters));
    }
}
