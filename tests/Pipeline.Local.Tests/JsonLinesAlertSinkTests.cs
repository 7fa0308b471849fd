using System.Text.Json;
using Pipeline.Core.Alerts;
using Pipeline.Local;
using static Pipeline.Local.Tests.Samples;

namespace Pipeline.Local.Tests;

public sealed class JsonLinesAlertSinkTests
{
    [Fact]
    public async Task Each_alert_is_one_CloudEvent_line()
    {
        using var dir = new TempDir();
        var path = dir.File("alerts.jsonl");
        await using (var sink = new JsonLinesAlertSink(path))
        {
            await sink.PublishAsync([Alert("a1"), Alert("a2", AlertTransitionKind.Resolved, T0.AddMinutes(5))]);
        }

        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("1.0", first.RootElement.GetProperty("specversion").GetString());
        Assert.Equal("a1", first.RootElement.GetProperty("id").GetString());
        Assert.Equal("Pipeline.Alert.Fired", first.RootElement.GetProperty("type").GetString());
        Assert.Equal("devices/chiller-17/rules/overheat", first.RootElement.GetProperty("subject").GetString());
        Assert.Equal("2025-03-01T12:00:00.0000000Z", first.RootElement.GetProperty("time").GetString());
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("Pipeline.Alert.Resolved", second.RootElement.GetProperty("type").GetString());
        Assert.Equal("2025-03-01T12:05:00.0000000Z", second.RootElement.GetProperty("time").GetString());
    }

    [Fact]
    public async Task Appends_by_default_and_truncates_when_asked()
    {
        using var dir = new TempDir();
        var path = dir.File("alerts.jsonl");
        await using (var sink = new JsonLinesAlertSink(path))
        {
            await sink.PublishAsync([Alert("a1")]);
        }

        await using (var sink = new JsonLinesAlertSink(path))
        {
            await sink.PublishAsync([Alert("a2")]);
        }

        Assert.Equal(["a1", "a2"], (await JsonLinesAlertSink.ReadAllAsync(path)).Select(a => a.Id));

        await using (var sink = new JsonLinesAlertSink(path, append: false))
        {
            await sink.PublishAsync([Alert("a3")]);
        }

        Assert.Equal(["a3"], (await JsonLinesAlertSink.ReadAllAsync(path)).Select(a => a.Id));
    }

    [Fact]
    public async Task A_returned_publish_is_already_readable_from_the_file()
    {
        using var dir = new TempDir();
        var path = dir.File("alerts.jsonl");
        await using var sink = new JsonLinesAlertSink(path);

        await sink.PublishAsync([Alert("a1")]);

        // Read while the sink still holds the file open: the batch was flushed before PublishAsync returned.
        Assert.Equal(["a1"], (await JsonLinesAlertSink.ReadAllAsync(path)).Select(a => a.Id));
    }

    [Fact]
    public async Task Concurrent_batches_stay_contiguous_and_nothing_is_lost()
    {
        using var dir = new TempDir();
        var path = dir.File("alerts.jsonl");
        await using (var sink = new JsonLinesAlertSink(path))
        {
            await Task.WhenAll(Enumerable.Range(0, 6).Select(p => Task.Run(async () =>
            {
                for (var b = 0; b < 15; b++)
                {
                    await sink.PublishAsync([Alert($"p{p}-b{b}-0"), Alert($"p{p}-b{b}-1")]);
                }
            })));
        }

        var ids = (await JsonLinesAlertSink.ReadAllAsync(path)).Select(a => a.Id).ToList();
        Assert.Equal(6 * 15 * 2, ids.Count);
        for (var i = 0; i < ids.Count; i += 2)
        {
            Assert.EndsWith("-0", ids[i], StringComparison.Ordinal);
            Assert.Equal(ids[i][..^2] + "-1", ids[i + 1]);
        }
    }

    [Fact]
    public async Task Alerts_a_failing_sink_left_undelivered_are_not_written_twice_by_the_next_run()
    {
        using var dir = new TempDir();
        var path = dir.File("alerts.jsonl");

        // Run 1: the file takes a1 and a2, the webhook is down, so both stay in the outbox when the run ends.
        await using (var file = new JsonLinesAlertSink(path))
        {
            var fanOut = new FanOutAlertSink(file, new DownSink());
            await Assert.ThrowsAsync<AggregateException>(() => fanOut.PublishAsync([Alert("a1"), Alert("a2")]));
        }

        // Run 2: a new fan-out (its in-memory record of who took what is gone) delivers the outbox and a new alert.
        await using (var file = new JsonLinesAlertSink(path))
        {
            var webhook = new Pipeline.Core.Alerts.MemoryAlertSink();
            await new FanOutAlertSink(file, webhook).PublishAsync([Alert("a1"), Alert("a2"), Alert("a3")]);
            Assert.Equal(["a1", "a2", "a3"], webhook.Published.Select(a => a.Id));
            Assert.Equal(1, file.Written); // only a3 is new to the file
        }

        Assert.Equal(["a1", "a2", "a3"], (await JsonLinesAlertSink.ReadAllAsync(path)).Select(a => a.Id));
    }

    [Fact]
    public async Task An_id_repeated_within_one_batch_or_across_batches_is_written_once()
    {
        using var dir = new TempDir();
        var path = dir.File("alerts.jsonl");
        await using (var sink = new JsonLinesAlertSink(path))
        {
            await sink.PublishAsync([Alert("a1"), Alert("a1")]);
            await sink.PublishAsync([Alert("a1"), Alert("a2")]);
        }

        Assert.Equal(["a1", "a2"], (await JsonLinesAlertSink.ReadAllAsync(path)).Select(a => a.Id));
    }

    [Fact]
    public async Task Only_the_most_recent_ids_are_remembered()
    {
        // The memory of written ids is bounded: an id older than the last RememberedIds ones is written again.
        using var dir = new TempDir();
        var path = dir.File("alerts.jsonl");
        await using (var sink = new JsonLinesAlertSink(path) { RememberedIds = 2 })
        {
            await sink.PublishAsync([Alert("a1"), Alert("a2"), Alert("a3")]);
            await sink.PublishAsync([Alert("a3"), Alert("a1")]);
        }

        Assert.Equal(["a1", "a2", "a3", "a1"], (await JsonLinesAlertSink.ReadAllAsync(path)).Select(a => a.Id));
    }

    [Fact]
    public async Task Purging_the_file_keeps_the_lines_at_or_after_the_cutoff_byte_for_byte()
    {
        using var dir = new TempDir();
        var path = dir.File("alerts.jsonl");
        await using (var sink = new JsonLinesAlertSink(path))
        {
            await sink.PublishAsync([Alert("old", time: T0.AddDays(-31)), Alert("edge", time: T0.AddDays(-30)), Alert("new", time: T0)]);
        }

        await File.AppendAllTextAsync(path, "{\"id\":\"torn"); // a crash mid-write
        var keptLines = (await File.ReadAllLinesAsync(path))[1..3];

        Assert.Equal(1, await JsonLinesAlertSink.PurgeFileAsync(path, T0.AddDays(-30)));

        Assert.Equal(keptLines, await File.ReadAllLinesAsync(path));
        Assert.Equal(0, await JsonLinesAlertSink.PurgeFileAsync(path, T0.AddDays(-30)));
        Assert.Equal(0, await JsonLinesAlertSink.PurgeFileAsync(dir.File("missing.jsonl"), T0));
        Assert.False(File.Exists(dir.File("missing.jsonl")));
    }

    private sealed class DownSink : IAlertSink
    {
        public Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default) =>
            throw new HttpRequestException("webhook answered 500");
    }
}
