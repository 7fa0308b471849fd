using System.Text.Json;
using Pipeline.Conformance;
using Pipeline.Core.Alerts;
using Pipeline.Core.State;
using Pipeline.Local;

namespace Pipeline.Local.Tests;

public sealed class JsonLinesDeadLetterStoreConformanceTests : DeadLetterStoreConformance, IDisposable
{
    private readonly TempDir _dir = new();

    protected override Task<IDeadLetterStore> CreateStoreAsync() =>
        Task.FromResult<IDeadLetterStore>(new JsonLinesDeadLetterStore(_dir.File(Guid.NewGuid().ToString("N") + ".jsonl")));

    public void Dispose() => _dir.Dispose();
}

public sealed class JsonLinesAlertSinkConformanceTests : AlertSinkConformance, IDisposable
{
    private readonly TempDir _dir = new();

    protected override Task<SinkUnderTest> CreateSinkAsync()
    {
        var path = _dir.File(Guid.NewGuid().ToString("N") + ".jsonl");
        var sink = new JsonLinesAlertSink(path);
        return Task.FromResult(new SinkUnderTest(sink, () => JsonLinesAlertSink.ReadAllAsync(path)));
    }

    public void Dispose() => _dir.Dispose();
}

public sealed class FanOutAlertSinkConformanceTests : AlertSinkConformance
{
    protected override Task<SinkUnderTest> CreateSinkAsync()
    {
        var first = new MemoryAlertSink();
        var second = new MemoryAlertSink();
        return Task.FromResult(new SinkUnderTest(new FanOutAlertSink(first, second), () => Task.FromResult(second.Published)));
    }
}

/// <summary>The webhook sink against a real local receiver that fails its first request: the retry is part of the contract.</summary>
public sealed class WebhookAlertSinkConformanceTests : AlertSinkConformance, IAsyncLifetime, IDisposable
{
    private readonly HttpClient _http = new();
    private readonly List<WebhookReceiver> _receivers = [];

    protected override async Task<SinkUnderTest> CreateSinkAsync()
    {
        var receiver = await WebhookReceiver.StartAsync(failFirst: 1);
        _receivers.Add(receiver);
        var sink = new WebhookAlertSink(_http, receiver.Url, new WebhookAlertSinkOptions { MaxAttempts = 3, InitialDelay = TimeSpan.Zero });
        return new SinkUnderTest(sink, () => Task.FromResult<IReadOnlyList<AlertEvent>>(
            [.. receiver.Accepted.SelectMany(body => JsonDocument.Parse(body).RootElement.EnumerateArray()
                .Select(e => AlertEvent.Parse(System.Text.Encoding.UTF8.GetBytes(e.GetRawText()))))]));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var receiver in _receivers)
        {
            await receiver.DisposeAsync();
        }
    }

    public void Dispose() => _http.Dispose();
}

public sealed class JsonFileSilenceStoreConformanceTests : Pipeline.Conformance.SilenceStoreConformance, IDisposable
{
    private readonly TempDir _dir = new();

    protected override Task<Pipeline.Core.Alerts.Silences.ISilenceStore> CreateStoreAsync() =>
        Task.FromResult<Pipeline.Core.Alerts.Silences.ISilenceStore>(new JsonFileSilenceStore(_dir.File(Guid.NewGuid().ToString("N") + ".json")));

    protected override Task<Pipeline.Core.Alerts.Silences.ISilenceStore> OpenSameAsync(Pipeline.Core.Alerts.Silences.ISilenceStore store) =>
        Task.FromResult<Pipeline.Core.Alerts.Silences.ISilenceStore>(new JsonFileSilenceStore(((JsonFileSilenceStore)store).Path));

    public void Dispose() => _dir.Dispose();
}
