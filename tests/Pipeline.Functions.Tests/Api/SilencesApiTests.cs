using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Hosting;

namespace Pipeline.Functions.Tests.Api;

/// <summary>
/// <c>/api/silences</c> over real HTTP (the host proxies the caller's request unchanged), and a silence suppressing the
/// Ingest payload the host sends. The handler's clock reads 2026-03-02T12:00Z; the payload's events are at 10:00.
/// </summary>
public sealed class SilencesApiTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(TestHandler handler, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        using var response = await handler.Client.SendAsync(request);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }

    private static async Task<(TestHandler Handler, MemoryAlertSink Sink)> StartAsync()
    {
        // Gated as the composition root gates them: the sink behind silences, the history marking what was suppressed.
        var gating = new NotificationGating(new MemorySilenceStore(), []);
        var sink = new MemoryAlertSink();
        var handler = await TestHandler.StartAsync(new PipelineComponents
        {
            State = new MemoryStateStore(),
            Alerts = gating.Wrap(sink),
            DeadLetters = new MemoryDeadLetterStore(),
            History = gating.Wrap(new MemoryAlertHistory()),
            Rules = new MemoryRuleStore(),
            Notifications = gating,
            DefaultRulesText = TestHandler.HotRules,
            Environment = "test",
            RulesRefreshInterval = TimeSpan.Zero,
        });
        return (handler, sink);
    }

    [Fact]
    public async Task A_silence_posted_is_listed_and_suppresses_the_alert_which_stays_visible_in_history()
    {
        var (handler, sink) = await StartAsync();
        await using var _ = handler;

        var (created, silence) = await SendAsync(handler, HttpMethod.Post, "/api/silences", """
            {"id":"s1","rule":"hot","device":"chiller-2","startsAt":"2026-03-02T09:00:00Z","endsAt":"2026-03-02T13:00:00Z",
             "author":"ops@example.com","comment":"pump swap"}
            """);
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal("s1", silence.GetProperty("id").GetString());

        var (_, listed) = await SendAsync(handler, HttpMethod.Get, "/api/silences");
        var only = Assert.Single(listed.GetProperty("silences").EnumerateArray());
        Assert.Equal(("s1", "hot", "chiller-2", "2026-03-02T09:00:00Z", "2026-03-02T13:00:00Z", "ops@example.com", "pump swap"),
            (only.GetProperty("id").GetString(), only.GetProperty("rule").GetString(), only.GetProperty("device").GetString(),
             only.GetProperty("startsAt").GetString(), only.GetProperty("endsAt").GetString(), only.GetProperty("author").GetString(),
             only.GetProperty("comment").GetString()));

        // The host's payload: chiller-2 at 85.0 fires "hot" at 10:00:00.5, inside the silence.
        using var ingest = await handler.InvokeAsync("Ingest", TestHandler.ReadPayload("ingest-string-arrays.json"));
        Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);

        Assert.Empty(sink.Published);
        var (_, alerts) = await SendAsync(handler, HttpMethod.Get, "/api/alerts?status=all");
        var fired = Assert.Single(alerts.GetProperty("alerts").EnumerateArray());
        Assert.Equal("Pipeline.Alert.Fired", fired.GetProperty("type").GetString());
        Assert.Equal("silence s1", fired.GetProperty("data").GetProperty("suppressedBy").GetString());
    }

    [Fact]
    public async Task An_invalid_silence_is_400_naming_each_field_and_is_not_stored()
    {
        var (handler, _) = await StartAsync();
        await using var __ = handler;

        var (status, body) = await SendAsync(handler, HttpMethod.Post, "/api/silences", """
            {"device":"chiller-2","startsAt":"2026-03-02T11:00:00Z","endsAt":"2026-03-02T10:00:00Z","author":""}
            """);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["endsAt", "author"], body.GetProperty("errors").EnumerateArray().Select(e => e.GetString()![..e.GetString()!.IndexOf(':', StringComparison.Ordinal)]));
        Assert.StartsWith("Invalid silence: endsAt: must be after startsAt", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        var (_, listed) = await SendAsync(handler, HttpMethod.Get, "/api/silences?status=all");
        Assert.Empty(listed.GetProperty("silences").EnumerateArray());
    }

    [Theory]
    [InlineData("""{"device":"d","endsAt":"tomorrow","author":"ops"}""", "endsAt: must be an ISO 8601 time")]
    [InlineData("""{"device":"d","endsAt":"2026-03-02T13:00:00Z","author":"ops","colour":"red"}""", "colour: unknown field")]
    [InlineData("""{"endsAt":"2026-03-02T13:00:00Z","author":"ops"}""", "matchers: give at least one of rule, device or labels")]
    [InlineData("""{"device":"d","endsAt":"2026-03-02T11:00:00Z","author":"ops"}""", "endsAt: must be after startsAt")]
    [InlineData("""{"device":"d","labels":{"site":1},"endsAt":"2026-03-02T13:00:00Z","author":"ops"}""", "labels.site: must be a string")]
    [InlineData("""[1]""", "silence: must be a JSON object")]
    [InlineData("""{"device":""", "body: not JSON")]
    public async Task Each_mistake_is_named(string json, string error)
    {
        var (handler, _) = await StartAsync();
        await using var __ = handler;

        var (status, body) = await SendAsync(handler, HttpMethod.Post, "/api/silences", json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(error, body.GetProperty("errors")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_expires_a_silence_now_which_then_shows_only_with_status_all()
    {
        var (handler, _) = await StartAsync();
        await using var __ = handler;
        await SendAsync(handler, HttpMethod.Post, "/api/silences", """{"id":"s1","device":"chiller-2","endsAt":"2026-03-02T13:00:00Z","author":"ops"}""");

        var (status, expired) = await SendAsync(handler, HttpMethod.Delete, "/api/silences/s1");
        var (missing, error) = await SendAsync(handler, HttpMethod.Delete, "/api/silences/nope");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("2026-03-02T12:00:00Z", expired.GetProperty("endsAt").GetString());   // the handler's now
        Assert.Equal("2026-03-02T12:00:00Z", expired.GetProperty("startsAt").GetString()); // no startsAt given: it began at now
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("No silence 'nope'.", error.GetProperty("error").GetString());
        var (_, active) = await SendAsync(handler, HttpMethod.Get, "/api/silences");
        var (_, all) = await SendAsync(handler, HttpMethod.Get, "/api/silences?status=all");
        Assert.Empty(active.GetProperty("silences").EnumerateArray());
        Assert.Single(all.GetProperty("silences").EnumerateArray());
    }
}
