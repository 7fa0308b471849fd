using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Core.Alerts;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Hosting;

namespace Pipeline.Functions.Tests;

/// <summary>A handler started in this process on a free loopback port, called over real HTTP.</summary>
internal sealed class TestHandler : IAsyncDisposable
{
    /// <summary>
    /// A per-event threshold with no reordering delay, so the alert of an event is decided by the batch that carries it:
    /// temperature above 80 fires (critical), below 75 resolves.
    /// </summary>
    public const string HotRules = """
        defaults: { outOfOrderTolerance: 0s, allowedLateness: 1m, latePolicy: drop, maxFutureSkew: 5m }
        rules:
          - id: hot
            metric: temperature
            when: "> 80"
            clear: "< 75"
            severity: critical
        """;

    private readonly WebApplication _app;

    private TestHandler(WebApplication app, HttpClient client, PipelineComponents components)
    {
        _app = app;
        Client = client;
        Components = components;
    }

    public HttpClient Client { get; }

    public PipelineComponents Components { get; }

    public static Task<TestHandler> StartAsync(IStateStore? state = null, IAlertSink? alerts = null, IDeadLetterStore? deadLetters = null,
        IAlertHistory? history = null, IRuleStore? rules = null, string rulesText = HotRules, TimeProvider? time = null) =>
        StartAsync(new PipelineComponents
        {
            State = state ?? new MemoryStateStore(),
            Alerts = alerts ?? new MemoryAlertSink(),
            DeadLetters = deadLetters ?? new MemoryDeadLetterStore(),
            History = history ?? new MemoryAlertHistory(),
            Rules = rules ?? new MemoryRuleStore(),
            DefaultRulesText = rulesText,
            Environment = "test",
            RulesRefreshInterval = TimeSpan.Zero,
        }, time);

    public static async Task<TestHandler> StartAsync(PipelineComponents components, TimeProvider? time = null)
    {
        var app = HandlerApp.Build([], new HandlerOptions
        {
            Port = 0,
            Components = (_, _) => Task.FromResult(components),
            Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero)),
            Logging = logging => logging.SetMinimumLevel(LogLevel.Warning),
        });
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = HandlerApp.GetAddress(app) };
        return new TestHandler(app, client, components);
    }

    public static string ReadPayload(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Payloads", name));

    /// <summary>Posts an invocation the way the host does: JSON, to <c>/{FunctionName}</c>.</summary>
    public Task<HttpResponseMessage> InvokeAsync(string function, string payload)
    {
        var content = new StringContent(payload, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        return Client.PostAsync(new Uri("/" + function, UriKind.Relative), content);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
