using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Pipeline.Functions.Tests.Api;

/// <summary>Issue 12, item 7: a device whose id holds reserved characters is addressable through the Api.</summary>
public sealed class DeviceIdTests
{
    /// <summary>An Ingest invocation of one reading per device, in the host's shape.</summary>
    internal static string IngestPayload(params string[] devices)
    {
        var events = devices.Select((d, i) => JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["deviceId"] = d,
            ["ts"] = string.Create(CultureInfo.InvariantCulture, $"2026-03-02T10:00:0{i % 10}Z"),
            ["temperature"] = 70 + i,
        })).ToArray();
        var payload = new Dictionary<string, object>
        {
            ["Data"] = new Dictionary<string, string> { ["events"] = JsonSerializer.Serialize(events) },
            ["Metadata"] = new Dictionary<string, object>
            {
                ["PartitionContext"] = new Dictionary<string, string> { ["PartitionId"] = "0" },
                ["SequenceNumberArray"] = JsonSerializer.Serialize(devices.Select((_, i) => i + 1)),
                ["EnqueuedTimeUtcArray"] = JsonSerializer.Serialize(devices.Select(_ => "2026-03-02T10:00:10")),
                ["sys"] = new Dictionary<string, string> { ["MethodName"] = "Ingest", ["UtcNow"] = "2026-03-02T10:00:11Z" },
            },
        };
        return JsonSerializer.Serialize(payload);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("a%b")]
    [InlineData("a?b")]
    [InlineData("a%2Fb")]   // the literal text "%2F", not a slash
    [InlineData("kühlraum-ø/東京")]
    public async Task A_device_id_with_reserved_characters_is_found_by_its_escaped_path(string id)
    {
        await using var handler = await TestHandler.StartAsync();
        using (var ingest = await handler.InvokeAsync("Ingest", IngestPayload(id, "a", "b")))
        {
            Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
        }

        var escaped = Uri.EscapeDataString(id);
        using var device = await handler.Client.GetAsync(new Uri("/api/devices/" + escaped, UriKind.Relative));
        using var history = await handler.Client.GetAsync(new Uri("/api/devices/" + escaped + "/history", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, device.StatusCode);
        using var view = JsonDocument.Parse(await device.Content.ReadAsStringAsync());
        Assert.Equal(id, view.RootElement.GetProperty("key").GetString());
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);
        using var chart = JsonDocument.Parse(await history.Content.ReadAsStringAsync());
        Assert.Equal(id, chart.RootElement.GetProperty("id").GetString());
    }
}
