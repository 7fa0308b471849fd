using System.Net;
using System.Text.Json;
using Azure;
using Pipeline.Core.State;

namespace Pipeline.Functions.Tests.Api;

/// <summary>
/// Issue 12, item 9: a storage failure's details (request ids, headers) are logged, and the answer gives a short reason.
/// </summary>
public sealed class StorageErrorTests
{
    private const string RequestId = "8f4c2a1e-7d3b-4e59-9c60-1b2a3c4d5e6f";

    /// <summary>A state store failing the way Table storage does when it is busy: the message carries the request's details.</summary>
    private sealed class BusyStateStore : IStateStore
    {
        private static RequestFailedException Busy() => new(503,
            $"The server is busy.\nRequestId:{RequestId}\nTime:2026-03-02T10:00:11.0000000Z\nStatus: 503 (Server Busy)\nErrorCode: ServerBusy\n\nHeaders:\nx-ms-request-id: {RequestId}\nServer: Windows-Azure-Table/1.0",
            "ServerBusy", null);

        public Task<IReadOnlyDictionary<string, StoredState>> LoadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default) =>
            throw Busy();

        public Task<string> SaveAsync(StateWrite write, CancellationToken cancellationToken = default) => throw Busy();

        public Task<IReadOnlyList<string>> GetDueKeysAsync(DateTimeOffset asOf, int maxKeys, CancellationToken cancellationToken = default) =>
            throw Busy();
    }

    [Fact]
    public async Task A_failed_ingest_answers_500_with_a_short_reason_and_no_request_details()
    {
        await using var handler = await TestHandler.StartAsync(state: new BusyStateStore());

        using var response = await handler.InvokeAsync("Ingest", DeviceIdTests.IngestPayload("d1"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("The server is busy.", body, StringComparison.Ordinal);
        Assert.DoesNotContain(RequestId, body, StringComparison.Ordinal);
        Assert.DoesNotContain("Headers", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_api_read_answers_500_with_a_short_reason_and_no_request_details()
    {
        await using var handler = await TestHandler.StartAsync(state: new BusyStateStore());

        using var response = await handler.Client.GetAsync(new Uri("/api/devices/d1", UriKind.Relative));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = body.RootElement.GetProperty("error").GetString();
        Assert.StartsWith("The server is busy.", error, StringComparison.Ordinal);
        Assert.DoesNotContain(RequestId, error, StringComparison.Ordinal);
    }
}
