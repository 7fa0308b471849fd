using Azure;
using Pipeline.Azure.Queues;
using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.Alerts;

namespace Pipeline.Azure.Tests.Queues;

/// <summary><see cref="AlertLogTail"/> against Azurite: what <c>pipeline alerts tail</c> prints.</summary>
[Collection(AzuriteTests.Name)]
public sealed class AlertLogTailTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 5, 0, TimeSpan.Zero);

    [AzuriteFact]
    public async Task A_tail_hands_on_the_alerts_in_time_order_tells_the_other_messages_and_ends_when_the_queue_is_empty()
    {
        var queue = azurite.CreateQueueClient("alert-log-" + Guid.NewGuid().ToString("N")[..12]);
        await queue.CreateAsync();
        await queue.SendMessageAsync(AlertSamples.Alert("a2", "e1", AlertTransitionKind.Resolved, 2, T0.AddMinutes(3)).ToJson()); // sent first, later in time
        await queue.SendMessageAsync("not an alert");
        await queue.SendMessageAsync(AlertSamples.Alert("a1", "e1", AlertTransitionKind.Fired, 1, T0).ToJson());
        var sink = new MemoryAlertSink();
        var skipped = new List<string>();
        var tail = new AlertLogTail(new AlertLogReader(queue, TimeSpan.FromMinutes(5), delete: false), sink, TimeProvider.System)
        {
            Skipped = m => skipped.Add(m.Text),
        };

        var result = await tail.RunAsync(follow: false, TimeSpan.FromSeconds(2), CancellationToken.None);

        Assert.Equal(["a1", "a2"], sink.Published.Select(a => a.Id));   // ordered by time, not by arrival
        Assert.Equal(["not an alert"], skipped);
        Assert.Equal(new AlertLogTailResult(2, 1), result);
    }

    [AzuriteFact]
    public async Task A_missing_queue_is_explained_by_its_name()
    {
        var queue = azurite.CreateQueueClient("absent-" + Guid.NewGuid().ToString("N")[..12]);
        var tail = new AlertLogTail(new AlertLogReader(queue, TimeSpan.FromSeconds(30), delete: false), new MemoryAlertSink(), TimeProvider.System);

        var failure = await Assert.ThrowsAsync<RequestFailedException>(() => tail.RunAsync(follow: false, TimeSpan.FromSeconds(2), CancellationToken.None));

        Assert.Equal($"queue '{queue.Name}' not found at {queue.Uri.GetLeftPart(UriPartial.Authority)}", AlertLogTail.Explain(queue, failure));
        Assert.Null(AlertLogTail.Explain(queue, new InvalidOperationException("not a storage answer")));
    }
}
