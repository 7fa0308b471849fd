using System.Text;
using System.Text.Json;
using Pipeline.Core.Events;
using Pipeline.Core.State;
using Pipeline.Local;
using static Pipeline.Local.Tests.Samples;

namespace Pipeline.Local.Tests;

public sealed class JsonLinesDeadLetterStoreTests
{
    private static DeadLetter Letter(string id, DateTimeOffset recordedAt, byte[] body, string detail = "NotJson: the body is not JSON") =>
        new(id, body, new SourcePosition("http", 7, T0.AddSeconds(-1)), DeadLetterReason.Malformed, detail, recordedAt);

    [Fact]
    public async Task One_call_with_100000_letters_stores_each_once_in_linear_work()
    {
        // The size of one 300 KB HTTP request of `{}` records. Checking each id against a list of the batch's earlier
        // ids made this about 5 * 10^9 string comparisons (minutes of CPU); with a set it is one lookup per letter.
        const int Count = 100_000;
        using var dir = new TempDir();
        var path = dir.File("dead-letters.jsonl");
        var letters = new List<DeadLetter>(Count + 1);
        for (var i = 0; i < Count; i++)
        {
            letters.Add(new DeadLetter("dl-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "{}"u8.ToArray(),
                new SourcePosition("http", i, T0), DeadLetterReason.Malformed, "NotObject", T0));
        }

        letters.Add(letters[Count / 2]); // the same letter twice in one call is still kept once
        await using (var store = new JsonLinesDeadLetterStore(path))
        {
            await store.AddAsync(letters);
            Assert.Equal(Count, store.Written);
        }

        var ids = new List<string>();
        await foreach (var letter in JsonLinesDeadLetterStore.ReadFileAsync(path))
        {
            ids.Add(letter.Id);
        }

        Assert.Equal(Count, ids.Count);
        Assert.Equal(Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Utf8_bodies_are_stored_as_readable_text_with_every_field()
    {
        using var dir = new TempDir();
        var path = dir.File("dead-letters.jsonl");
        await using (var store = new JsonLinesDeadLetterStore(path))
        {
            await store.AddAsync([Letter("dl-1", T0.AddTicks(5), Encoding.UTF8.GetBytes("{\"deviceId\":\"température\""))]);
        }

        var line = Assert.Single(await File.ReadAllLinesAsync(path));
        Assert.Contains("température", line, StringComparison.Ordinal); // not \u00e9: people read this file
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal("dl-1", root.GetProperty("id").GetString());
        Assert.Equal("malformed", root.GetProperty("reason").GetString());
        Assert.Equal("NotJson: the body is not JSON", root.GetProperty("detail").GetString());
        Assert.Equal("http", root.GetProperty("partition").GetString());
        Assert.Equal(7, root.GetProperty("sequenceNumber").GetInt64());
        Assert.Equal("2025-03-01T11:59:59.0000000Z", root.GetProperty("enqueuedTime").GetString());
        Assert.Equal("2025-03-01T12:00:00.0000005Z", root.GetProperty("recordedAt").GetString());
        Assert.Equal("utf-8", root.GetProperty("encoding").GetString());
        Assert.Equal("{\"deviceId\":\"température\"", root.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Bodies_that_are_not_utf8_are_base64_and_round_trip()
    {
        using var dir = new TempDir();
        var path = dir.File("dead-letters.jsonl");
        await using var store = new JsonLinesDeadLetterStore(path);

        await store.AddAsync([Letter("bin", T0, [0xff, 0xfe, 0x00, 0xc3, 0x28])]);

        using (var json = JsonDocument.Parse(Assert.Single(await File.ReadAllLinesAsync(path))))
        {
            Assert.Equal("base64", json.RootElement.GetProperty("encoding").GetString());
            Assert.Equal("//4Awyg=", json.RootElement.GetProperty("body").GetString());
        }

        var found = Assert.Single(await store.QueryAsync(T0, T0.AddSeconds(1), 10));
        Assert.Equal(new byte[] { 0xff, 0xfe, 0x00, 0xc3, 0x28 }, found.Body.ToArray());
        Assert.Equal(new SourcePosition("http", 7, T0.AddSeconds(-1)), found.Source);
        Assert.Equal(DeadLetterReason.Malformed, found.Reason);
    }

    [Fact]
    public async Task The_same_id_is_stored_once_even_across_instances()
    {
        using var dir = new TempDir();
        var path = dir.File("dead-letters.jsonl");
        await using (var store = new JsonLinesDeadLetterStore(path))
        {
            await store.AddAsync([Letter("same", T0, "x"u8.ToArray(), "first")]);
            await store.AddAsync([Letter("same", T0.AddMinutes(1), "x"u8.ToArray(), "second"), Letter("other", T0, "y"u8.ToArray())]);
        }

        // A restarted process appending to the same file.
        await using (var store = new JsonLinesDeadLetterStore(path))
        {
            await store.AddAsync([Letter("same", T0.AddMinutes(2), "x"u8.ToArray(), "third")]);
            var all = await store.QueryAsync(T0.AddHours(-1), T0.AddHours(1), 100);
            Assert.Equal(["other", "same"], all.Select(d => d.Id)); // same time: ordered by id
            Assert.Equal("first", all[1].Detail);
        }

        Assert.Equal(2, (await File.ReadAllLinesAsync(path)).Length);
    }

    [Fact]
    public async Task Only_the_most_recent_ids_are_remembered_so_endless_bad_input_keeps_memory_flat()
    {
        // The store remembered the id of every letter it ever wrote or found in its file: an endless run fed bad
        // records grew that set by one string per letter. An id older than the last RememberedIds is written again.
        using var dir = new TempDir();
        var path = dir.File("dead-letters.jsonl");
        await using (var store = new JsonLinesDeadLetterStore(path) { RememberedIds = 2 })
        {
            await store.AddAsync([Letter("d1", T0, "1"u8.ToArray()), Letter("d2", T0, "2"u8.ToArray()), Letter("d3", T0, "3"u8.ToArray())]);
            Assert.Equal(2, store.Remembered);                                                      // d2, d3
            await store.AddAsync([Letter("d3", T0, "3"u8.ToArray()), Letter("d1", T0, "1"u8.ToArray())]); // d3 skipped, d1 written again
            Assert.Equal(2, store.Remembered);                                                      // d3, d1
        }

        // A restarted process remembers only the newest ids of the file: d3 and d1, not d2.
        await using (var store = new JsonLinesDeadLetterStore(path) { RememberedIds = 2 })
        {
            await store.AddAsync([Letter("d1", T0, "1"u8.ToArray()), Letter("d2", T0, "2"u8.ToArray())]); // d1 skipped, d2 written again
            Assert.Equal(2, store.Remembered);                                                      // d1, d2
        }

        var ids = new List<string>();
        await foreach (var letter in JsonLinesDeadLetterStore.ReadFileAsync(path))
        {
            ids.Add(letter.Id);
        }

        Assert.Equal(["d1", "d2", "d3", "d1", "d2"], ids);
    }

    [Fact]
    public async Task Query_is_half_open_oldest_first_and_capped()
    {
        using var dir = new TempDir();
        await using var store = new JsonLinesDeadLetterStore(dir.File("dl.jsonl"));
        await store.AddAsync(
        [
            Letter("at-until", T0.AddMinutes(2), "a"u8.ToArray()),
            Letter("at-since", T0, "b"u8.ToArray()),
            Letter("before", T0.AddTicks(-1), "c"u8.ToArray()),
            Letter("middle", T0.AddMinutes(1), "d"u8.ToArray()),
        ]);

        Assert.Equal(["at-since", "middle"], (await store.QueryAsync(T0, T0.AddMinutes(2), 100)).Select(d => d.Id));
        Assert.Equal(["before"], (await store.QueryAsync(T0.AddHours(-1), T0.AddHours(1), 1)).Select(d => d.Id));
        Assert.Empty(await store.QueryAsync(T0, T0, 100));
    }

    [Fact]
    public async Task A_torn_last_line_is_skipped_and_a_missing_file_is_empty()
    {
        using var dir = new TempDir();
        var path = dir.File("dl.jsonl");
        await using var store = new JsonLinesDeadLetterStore(path);
        Assert.Empty(await store.QueryAsync(T0.AddDays(-1), T0.AddDays(1), 10));

        await store.AddAsync([Letter("ok", T0, "z"u8.ToArray())]);
        await File.AppendAllTextAsync(path, "{\"id\":\"torn\",\"reason\":\"malf");

        Assert.Equal(["ok"], (await store.QueryAsync(T0.AddDays(-1), T0.AddDays(1), 10)).Select(d => d.Id));
    }
}
