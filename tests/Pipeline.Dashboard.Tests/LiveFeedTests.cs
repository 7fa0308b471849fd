using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Conformance;
using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Dashboard.Api;
using Pipeline.Dashboard.Live;

namespace Pipeline.Dashboard.Tests;

/// <summary>
/// The live feed over a real loopback server: what a subscriber reads after alerts are published. Publishing only
/// queues the batch; the feed's writer serializes it, so these tests read the stream until the messages arrive.
/// </summary>
public sealed class LiveFeedTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_subscriber_reads_every_published_alert_in_delivery_order()
    {
        // A health interval longer than the test, so only the first health message is sent.
        var feed = new LiveFeed(TimeProvider.System, healthEvery: TimeSpan.FromDays(1));
        await using var server = await FeedServer.StartAsync(feed);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await server.Http.GetAsync(new Uri("/api/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));

        // The stream opens with the reconnect interval and the health; the subscriber is registered before either.
        Assert.Equal(("retry", "2000"), await ReadMessageAsync(reader, timeout.Token));
        Assert.Equal("health", (await ReadMessageAsync(reader, timeout.Token)).Name);
        Assert.Equal(1, feed.Subscribers);

        feed.Publish([Alert("a1", AlertTransitionKind.Fired, 1), Alert("a2", AlertTransitionKind.Escalated, 2)]);
        feed.Publish([]);                                            // an empty delivery sends nothing
        feed.Publish([Alert("a3", AlertTransitionKind.Resolved, 3)]);

        var read = new List<(string Name, string Id)>();
        for (var i = 0; i < 3; i++)
        {
            var (name, data) = await ReadMessageAsync(reader, timeout.Token);
            using var json = JsonDocument.Parse(data);
            read.Add((name, json.RootElement.GetProperty("id").GetString()!));
        }

        Assert.Equal(
            [
                ("alert", "a1"), // the first batch, in its order
                ("alert", "a2"),
                ("alert", "a3"), // the second batch after it
            ],
            read);
    }

    private static AlertEvent Alert(string id, AlertTransitionKind kind, long sequence) =>
        AlertSamples.Alert(id, "episode-1", kind, sequence, T0.AddMinutes(sequence));

    /// <summary>The next Server-Sent Events message: its event name (or <c>retry</c>) and its data.</summary>
    private static async Task<(string Name, string Data)> ReadMessageAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        string? name = null;
        var data = string.Empty;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                return (name ?? "message", data);
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (field, value) = (line[..colon], line[(colon + 1)..].TrimStart(' '));
            if (field is "event")
            {
                name = value;
            }
            else if (field is "retry")
            {
                (name, data) = ("retry", value);
            }
            else if (field is "data")
            {
                data = value;
            }
        }

        throw new InvalidOperationException("The stream ended.");
    }

    private sealed class FeedServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FeedServer(WebApplication app, HttpClient http) => (_app, Http) = (app, http);

        public HttpClient Http { get; }

        public static async Task<FeedServer> StartAsync(LiveFeed feed)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            feed.Map(app, new HealthOnlySource());
            await app.StartAsync();
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            return new FeedServer(app, new HttpClient { BaseAddress = address });
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private sealed class HealthOnlySource : IPipelineApiSource
    {
        public ApiHealth GetHealth() => new(true, new HealthResponse("healthy", null, "test", "v-0123abcd", null, null));

        public Task<KeyView?> GetDeviceAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<AlertEvent>> QueryAlertsAsync(AlertQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IMetricHistory> GetHistoryAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<RuleSet> GetRulesAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
