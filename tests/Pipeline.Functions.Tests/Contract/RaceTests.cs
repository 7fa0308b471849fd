using System.Globalization;
using System.Net;
using System.Text.Json;
using Pipeline.Core.State;

namespace Pipeline.Functions.Tests.Contract;

/// <summary>
/// Two handler instances (two processors, each with its own key cache) over one shared state store, as when the host
/// moves a partition between instances or one device's events reach two partitions. ETags decide; nothing is lost.
/// </summary>
public sealed class RaceTests
{
    /// <summary>One event for device <c>d1</c> with a single metric, at a fixed event time (so no event is late).</summary>
    internal static string OneEvent(string partition, long sequence, string metric, double value)
    {
        var body = string.Create(CultureInfo.InvariantCulture, $"{{\"deviceId\":\"d1\",\"ts\":\"2026-03-02T10:00:00Z\",\"{metric}\":{value}}}");
        var events = JsonSerializer.Serialize(new[] { body });
        var sequences = string.Create(CultureInfo.InvariantCulture, $"[{sequence}]");
        return $$$$"""
            {"Data":{"events":{{{{JsonSerializer.Serialize(events)}}}}},
             "Metadata":{"PartitionContext":{"PartitionId":"{{{{partition}}}}"},"SequenceNumberArray":{{{{JsonSerializer.Serialize(sequences)}}}},
                         "sys":{"MethodName":"Ingest","UtcNow":"2026-03-02T10:00:01Z"}}}
            """;
    }

    private static async Task<HttpStatusCode> IngestAsync(TestHandler handler, string payload)
    {
        using var response = await handler.InvokeAsync("Ingest", payload);
        return response.StatusCode;
    }

    internal static async Task<IReadOnlyDictionary<string, double>> LastValuesAsync(TestHandler handler)
    {
        using var response = await handler.Client.GetAsync(new Uri("/api/devices/d1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("lastValues").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
    }

    [Fact]
    public async Task A_stale_instance_hits_an_etag_conflict_reloads_and_keeps_both_writes()
    {
        var store = new ConflictCountingStateStore(new MemoryStateStore());
        await using var a = await TestHandler.StartAsync(state: store);
        await using var b = await TestHandler.StartAsync(state: store);

        // A creates d1 and caches it; B loads A's write and adds its own; A's cached ETag is now stale.
        Assert.Equal(HttpStatusCode.OK, await IngestAsync(a, OneEvent("0", 1, "temperature", 70)));
        Assert.Equal(HttpStatusCode.OK, await IngestAsync(b, OneEvent("1", 1, "humidity", 40)));
        Assert.Equal(0, store.Conflicts);
        Assert.Equal(HttpStatusCode.OK, await IngestAsync(a, OneEvent("0", 2, "pressure", 3)));

        Assert.Equal(1, store.Conflicts);

        // Each event carried its own metric: all three in the stored state means no write was lost.
        await using var reader = await TestHandler.StartAsync(state: store);
        var values = await LastValuesAsync(reader);
        Assert.Equal(new Dictionary<string, double> { ["temperature"] = 70, ["humidity"] = 40, ["pressure"] = 3 }, values);
    }

    [Fact]
    public async Task Two_instances_racing_on_one_key_lose_nothing()
    {
        var store = new ConflictCountingStateStore(new MemoryStateStore());
        await using var a = await TestHandler.StartAsync(state: store);
        await using var b = await TestHandler.StartAsync(state: store);
        const int perInstance = 25;

        // Each instance works through its own partition in order (as the host delivers a partition), both at once.
        async Task<List<HttpStatusCode>> RunAsync(TestHandler handler, string partition, string prefix, double offset)
        {
            var statuses = new List<HttpStatusCode>();
            for (var i = 1; i <= perInstance; i++)
            {
                statuses.Add(await IngestAsync(handler, OneEvent(partition, i, prefix + i.ToString(CultureInfo.InvariantCulture), offset + i)));
            }

            return statuses;
        }

        var results = await Task.WhenAll(RunAsync(a, "0", "a", 0), RunAsync(b, "1", "b", 100));

        Assert.All(results.SelectMany(r => r), s => Assert.Equal(HttpStatusCode.OK, s));
        await using var reader = await TestHandler.StartAsync(state: store);
        var values = await LastValuesAsync(reader);
        var expected = new Dictionary<string, double>();
        for (var i = 1; i <= perInstance; i++)
        {
            expected["a" + i.ToString(CultureInfo.InvariantCulture)] = i;
            expected["b" + i.ToString(CultureInfo.InvariantCulture)] = 100 + i;
        }

        Assert.Equal(expected, values);
    }
}
