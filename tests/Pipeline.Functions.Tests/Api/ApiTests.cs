using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pipeline.Core.Alerts;

namespace Pipeline.Functions.Tests.Api;

/// <summary>The Api function's routes over real HTTP (the host proxies requests to them unchanged).</summary>
public sealed class ApiTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(TestHandler handler, HttpMethod method, string path, string? body = null, string contentType = "application/yaml")
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(contentType));
        }

        using var response = await handler.Client.SendAsync(request);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }

    private static Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(TestHandler handler, string path) => SendAsync(handler, HttpMethod.Get, path);

    private static async Task<TestHandler> StartWithBatchAsync()
    {
        var handler = await TestHandler.StartAsync();
        using var response = await handler.InvokeAsync("Ingest", TestHandler.ReadPayload("ingest-string-arrays.json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return handler;
    }

    [Fact]
    public async Task A_device_shows_its_last_values_watermark_labels_and_alert_states()
    {
        await using var handler = await StartWithBatchAsync();

        var (status, device) = await GetAsync(handler, "/api/devices/chiller-2");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("chiller-2", device.GetProperty("key").GetString());
        Assert.Equal(86.5, device.GetProperty("lastValues").GetProperty("temperature").GetDouble());
        Assert.Equal("plant-1", device.GetProperty("labels").GetProperty("site").GetString());

        // No out-of-order tolerance: the watermark is the newest event time, 10:00:01.5.
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 10, 0, 1, 500, TimeSpan.Zero), device.GetProperty("watermark").GetDateTimeOffset());
        var hot = Assert.Single(device.GetProperty("alerts").EnumerateArray());
        Assert.Equal("hot", hot.GetProperty("ruleId").GetString());
        Assert.Equal("Firing", hot.GetProperty("status").GetString());
        Assert.Equal("Critical", hot.GetProperty("severity").GetString());
        Assert.Equal(0, device.GetProperty("outboxCount").GetInt32());
    }

    [Fact]
    public async Task An_unknown_device_is_404()
    {
        await using var handler = await StartWithBatchAsync();

        var (status, body) = await GetAsync(handler, "/api/devices/no-such-device");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("no-such-device", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alerts_are_listed_by_status_and_time()
    {
        await using var handler = await StartWithBatchAsync();

        // The batch fired "hot" for chiller-2 at 10:00:00.5 (85.0 > 80).
        var (status, firing) = await GetAsync(handler, "/api/alerts?status=firing");
        Assert.Equal(HttpStatusCode.OK, status);
        var alert = Assert.Single(firing.GetProperty("alerts").EnumerateArray());
        Assert.Equal("1.0", alert.GetProperty("specversion").GetString());
        Assert.Equal("Pipeline.Alert.Fired", alert.GetProperty("type").GetString());
        Assert.Equal("devices/chiller-2/rules/hot", alert.GetProperty("subject").GetString());
        Assert.Equal("Firing", alert.GetProperty("data").GetProperty("status").GetString());

        var (_, byDefault) = await GetAsync(handler, "/api/alerts");
        Assert.Equal("firing", byDefault.GetProperty("status").GetString());
        Assert.Equal(1, byDefault.GetProperty("count").GetInt32());

        var (_, since) = await GetAsync(handler, "/api/alerts?status=all&since=2026-03-02T10:00:00Z");
        Assert.Equal(1, since.GetProperty("count").GetInt32());
        var (_, after) = await GetAsync(handler, "/api/alerts?status=all&since=2026-03-02T10:00:01Z");
        Assert.Equal(0, after.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task A_resolved_alert_leaves_the_firing_list_but_stays_in_all()
    {
        await using var handler = await StartWithBatchAsync();

        // 70 < 75 clears "hot" for chiller-2.
        using var cool = await handler.InvokeAsync("Ingest", """
            {"Data":{"events":"[\"{\\\"deviceId\\\":\\\"chiller-2\\\",\\\"ts\\\":\\\"2026-03-02T10:00:02Z\\\",\\\"temperature\\\":70}\"]"},
             "Metadata":{"PartitionContext":{"PartitionId":"3"},"SequenceNumberArray":"[105]","sys":{"UtcNow":"2026-03-02T10:00:04Z"}}}
            """);
        Assert.Equal(HttpStatusCode.OK, cool.StatusCode);

        var (_, firing) = await GetAsync(handler, "/api/alerts?status=firing");
        var (_, all) = await GetAsync(handler, "/api/alerts?status=all");

        Assert.Equal(0, firing.GetProperty("count").GetInt32());
        Assert.Equal(["Pipeline.Alert.Resolved", "Pipeline.Alert.Fired"], all.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("type").GetString()));
    }

    [Theory]
    [InlineData("/api/alerts?status=pending", "status must be 'firing' or 'all'")]
    [InlineData("/api/alerts?since=yesterday", "since must be an ISO 8601 time")]
    [InlineData("/api/alerts?max=0", "max must be a whole number from 1 to 1000")]
    public async Task Bad_alert_queries_are_400(string path, string error)
    {
        await using var handler = await TestHandler.StartAsync();

        var (status, body) = await GetAsync(handler, path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(error, body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_active_rules_are_shown_with_their_source()
    {
        await using var handler = await TestHandler.StartAsync();

        var (status, rules) = await GetAsync(handler, "/api/rules");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["hot"], rules.GetProperty("rules").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(TestHandler.HotRules, rules.GetProperty("source").GetProperty("text").GetString());
        Assert.Equal("yaml", rules.GetProperty("source").GetProperty("format").GetString());
        Assert.Equal(rules.GetProperty("version").GetString(), rules.GetProperty("source").GetProperty("version").GetString());
    }

    [Fact]
    public async Task A_bad_rule_set_is_400_with_every_error_and_the_previous_rules_stay_active()
    {
        await using var handler = await TestHandler.StartAsync();
        var (_, before) = await GetAsync(handler, "/api/rules");
        const string bad = """
            rules:
              - id: cold
                metric: temperature
                when: "colder than ever"
              - id: late
                detector: { kind: heartbeat, timeout: -1m }
            """;

        var (status, body) = await SendAsync(handler, HttpMethod.Put, "/api/rules", bad);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = body.GetProperty("errors").EnumerateArray().ToList();
        Assert.Contains(errors, e => e.GetProperty("ruleId").GetString() == "cold" && e.GetProperty("field").GetString() == "when");
        Assert.Contains(errors, e => e.GetProperty("ruleId").GetString() == "late");
        Assert.Equal(before.GetProperty("version").GetString(), body.GetProperty("activeVersion").GetString());

        var (_, after) = await GetAsync(handler, "/api/rules");
        Assert.Equal(before.GetProperty("version").GetString(), after.GetProperty("version").GetString());
        Assert.Equal(TestHandler.HotRules, after.GetProperty("source").GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_syntax_error_is_400_too()
    {
        await using var handler = await TestHandler.StartAsync();

        var (status, body) = await SendAsync(handler, HttpMethod.Put, "/api/rules", "{ \"rules\": [", "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.NotEmpty(body.GetProperty("errors").EnumerateArray());
    }

    [Fact]
    public async Task A_valid_rule_set_replaces_the_rules_for_the_next_batch()
    {
        var sink = new MemoryAlertSink();
        await using var handler = await TestHandler.StartAsync(alerts: sink);
        const string json = """
            {"defaults":{"outOfOrderTolerance":"0s"},
             "rules":[{"id":"warm","metric":"temperature","when":"> 71","severity":"warning"}]}
            """;

        var (status, body) = await SendAsync(handler, HttpMethod.Put, "/api/rules", json, "application/json");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["warm"], body.GetProperty("rules").EnumerateArray().Select(r => r.GetString()));
        var (_, rules) = await GetAsync(handler, "/api/rules");
        Assert.Equal(body.GetProperty("version").GetString(), rules.GetProperty("version").GetString());
        Assert.Equal("json", rules.GetProperty("source").GetProperty("format").GetString());

        // Under "warm" (> 71): chiller-1 fires at 72.0, chiller-2 at 85.0; "hot" no longer exists.
        using var response = await handler.InvokeAsync("Ingest", TestHandler.ReadPayload("ingest-string-arrays.json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["devices/chiller-2/rules/warm", "devices/chiller-1/rules/warm"], sink.Published.Select(a => a.Subject));
    }

    [Fact]
    public async Task Health_reports_the_ports_rules_and_totals()
    {
        await using var handler = await StartWithBatchAsync();

        var (status, health) = await GetAsync(handler, "/api/health");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal("test", health.GetProperty("environment").GetString());
        Assert.Equal(4, health.GetProperty("totals").GetProperty("received").GetInt64());
        Assert.Equal(4, health.GetProperty("totals").GetProperty("applied").GetInt64());
        Assert.Equal(1, health.GetProperty("totals").GetProperty("published").GetInt64());
        var (_, rules) = await GetAsync(handler, "/api/rules");
        Assert.Equal(rules.GetProperty("version").GetString(), health.GetProperty("rulesVersion").GetString());
    }
}
