using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pipeline.Core.State;
using Pipeline.Functions.Ingest;

namespace Pipeline.Functions.Tests.Contract;

/// <summary>
/// A failure caused by the input itself is never answered with a failure the host would retry: the offending event,
/// or the whole unreadable invocation, goes to the dead-letter store and the rest of the batch is applied.
/// </summary>
public sealed class PartitionNeverStallsTests
{
    private const string Good = """{\"deviceId\":\"chiller-1\",\"ts\":\"2026-03-02T11:00:00Z\",\"temperature\":70.5}""";

    /// <summary>An Ingest invocation of partition 7 whose Data.events string holds <paramref name="eventsJson"/>.</summary>
    private static string Envelope(string eventsJson, string sequenceNumbers) => $$"""
        {"Data":{"events":"{{eventsJson}}"},
         "Metadata":{"PartitionContext":{"PartitionId":"7"},"SequenceNumberArray":"{{sequenceNumbers}}",
                     "sys":{"UtcNow":"2026-03-02T11:00:02Z"} } }
        """;

    private static async Task<(HttpStatusCode Status, string Logs)> PostAsync(TestHandler handler, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await handler.Client.PostAsync(new Uri("/Ingest", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.False(string.IsNullOrEmpty(text), "every answer carries the host response shape with its log lines");
        using var document = JsonDocument.Parse(text);
        return (response.StatusCode, string.Join("\n", document.RootElement.GetProperty("Logs").EnumerateArray().Select(l => l.GetString())));
    }

    private static async Task<List<DeadLetter>> LettersAsync(MemoryDeadLetterStore store) =>
        [.. (await store.QueryAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 100)).OrderBy(d => d.Source.SequenceNumber)];

    [Fact]
    public async Task An_event_with_an_escaped_lone_surrogate_is_dead_lettered_and_the_rest_applied()
    {
        var deadLetters = new MemoryDeadLetterStore();
        await using var handler = await TestHandler.StartAsync(deadLetters: deadLetters);

        // Data.events = ["<good>", "\ud800"]: the second body is one lone UTF-16 surrogate.
        var payload = Envelope($"[\\\"{Good.Replace("\\\"", "\\\\\\\"", StringComparison.Ordinal)}\\\",\\\"\\\\ud800\\\"]", "[10,11]");
        var (status, logs) = await PostAsync(handler, Encoding.UTF8.GetBytes(payload));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("Ingest partition 7: 2 received, 1 applied, 0 duplicates, 1 dead-lettered", logs, StringComparison.Ordinal);
        var letter = Assert.Single(await LettersAsync(deadLetters));
        Assert.Equal(("7", 11L), (letter.Source.Partition, letter.Source.SequenceNumber));
        Assert.Equal(DeadLetterReason.Malformed, letter.Reason);
        Assert.StartsWith("NotUtf8:", letter.Detail, StringComparison.Ordinal);

        // U+D800 in the UTF-8 bit pattern: kept as the three bytes it stands for.
        Assert.Equal(new byte[] { 0xED, 0xA0, 0x80 }, letter.Body.ToArray());
    }

    [Fact]
    public async Task An_event_with_invalid_UTF8_is_dead_lettered_and_the_rest_applied()
    {
        var deadLetters = new MemoryDeadLetterStore();
        await using var handler = await TestHandler.StartAsync(deadLetters: deadLetters);

        // The second body is the bytes 'x', 0xFF, 'y': 0xFF never occurs in UTF-8.
        var text = Envelope($"[\\\"{Good.Replace("\\\"", "\\\\\\\"", StringComparison.Ordinal)}\\\",\\\"x#y\\\"]", "[20,21]");
        var bytes = Encoding.UTF8.GetBytes(text);
        bytes[Array.IndexOf(bytes, (byte)'#')] = 0xFF;
        var (status, logs) = await PostAsync(handler, bytes);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("Ingest partition 7: 2 received, 1 applied, 0 duplicates, 1 dead-lettered", logs, StringComparison.Ordinal);
        var letter = Assert.Single(await LettersAsync(deadLetters));
        Assert.Equal(21L, letter.Source.SequenceNumber);
        Assert.StartsWith("NotUtf8:", letter.Detail, StringComparison.Ordinal);
        Assert.Equal(new byte[] { (byte)'x', 0xFF, (byte)'y' }, letter.Body.ToArray());
    }

    [Theory]
    [InlineData("this is not an invocation", "The invocation body is not JSON")]
    [InlineData("""{"Data":{"events":"[\"{}\"]"},"Metadata":{"PartitionContext":{"PartitionId":"1"}}}""", "Metadata has no SequenceNumberArray")]
    public async Task An_unreadable_invocation_is_kept_whole_in_the_dead_letter_store_and_acknowledged(string payload, string reason)
    {
        var deadLetters = new MemoryDeadLetterStore();
        await using var handler = await TestHandler.StartAsync(deadLetters: deadLetters);

        var (status, logs) = await PostAsync(handler, Encoding.UTF8.GetBytes(payload));

        // 200: the host checkpoints past it instead of retrying bytes that can never be read.
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(reason, logs, StringComparison.Ordinal);
        var letter = Assert.Single(await LettersAsync(deadLetters));
        Assert.Equal(DeadLetterReason.UnreadableInvocation, letter.Reason);
        Assert.Equal(IngestFunction.UnreadablePartition, letter.Source.Partition);
        Assert.Contains(reason, letter.Detail, StringComparison.Ordinal);
        Assert.Equal(payload, Encoding.UTF8.GetString(letter.Body.Span));
    }

    [Fact]
    public async Task An_unreadable_invocation_fails_while_the_dead_letter_store_is_unreachable()
    {
        await using var handler = await TestHandler.StartAsync(deadLetters: new FailingDeadLetterStore());

        var (status, logs) = await PostAsync(handler, "not JSON"u8.ToArray());

        // Nothing was kept, so the invocation must fail and be retried.
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("nor keep it in the dead-letter store", logs, StringComparison.Ordinal);
    }

    /// <summary>The recorded retried invocation (chiller-1, chiller-2, chiller-1 at 2001..2003) as retry n of max.</summary>
    private static string Retry(int retryCount, int maxRetryCount) => TestHandler.ReadPayload("ingest-host-retry.json")
        .Replace("\"MaxRetryCount\": -1", $"\"MaxRetryCount\": {maxRetryCount}", StringComparison.Ordinal)
        .Replace("\"RetryCount\": 2,", $"\"RetryCount\": {retryCount},", StringComparison.Ordinal);

    [Fact]
    public async Task A_batch_failing_before_its_last_retry_fails_so_the_host_retries_it()
    {
        var deadLetters = new MemoryDeadLetterStore();
        await using var handler = await TestHandler.StartAsync(state: new SwitchableStateStore(new MemoryStateStore()) { Failing = true }, deadLetters: deadLetters);

        var (status, logs) = await PostAsync(handler, Encoding.UTF8.GetBytes(Retry(4, 5)));

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("the host retries the batch", logs, StringComparison.Ordinal);
        Assert.Empty(await LettersAsync(deadLetters));
    }

    [Fact]
    public async Task A_batch_failing_on_its_last_retry_is_dead_lettered_with_the_reason_and_acknowledged()
    {
        var deadLetters = new MemoryDeadLetterStore();
        await using var handler = await TestHandler.StartAsync(state: new SwitchableStateStore(new MemoryStateStore()) { Failing = true }, deadLetters: deadLetters);

        var (status, logs) = await PostAsync(handler, Encoding.UTF8.GetBytes(Retry(5, 5)));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("3 events dead-lettered after the last retry", logs, StringComparison.Ordinal);
        var letters = await LettersAsync(deadLetters);
        Assert.Equal([2001L, 2002L, 2003L], letters.Select(d => d.Source.SequenceNumber));
        Assert.All(letters, d => Assert.Equal(("5", DeadLetterReason.RetriesExhausted), (d.Source.Partition, d.Reason)));
        Assert.All(letters, d => Assert.Equal("the batch still failed on retry 5 of 5: Table storage is unreachable", d.Detail));
        Assert.StartsWith("{\"deviceId\":\"chiller-2\"", Encoding.UTF8.GetString(letters[1].Body.Span), StringComparison.Ordinal);
    }

    private sealed class FailingDeadLetterStore : IDeadLetterStore
    {
        public Task AddAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken = default) =>
            throw new IOException("Table storage is unreachable");

        public Task<IReadOnlyList<DeadLetter>> QueryAsync(DateTimeOffset since, DateTimeOffset until, int max, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<DeadLetter>>([]);

        public Task<int> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default) => Task.FromResult(0);
    }
}
