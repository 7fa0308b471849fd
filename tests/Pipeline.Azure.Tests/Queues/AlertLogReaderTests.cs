using System.Text;
using Pipeline.Azure.Queues;
using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.Alerts;

namespace Pipeline.Azure.Tests.Queues;

[Collection(AzuriteTests.Name)]
public sealed class AlertLogReaderTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 5, 0, TimeSpan.Zero);

    private static string QueueName() => "alert-log-" + Guid.NewGuid().ToString("N")[..12];

    [AzuriteFact]
    public async Task Alerts_written_as_plain_JSON_and_as_base64_JSON_are_both_read_and_other_text_is_reported()
    {
        var queue = azurite.CreateQueueClient(QueueName());
        await queue.CreateAsync();
        var fired = AlertSamples.Alert("a1", "e1", AlertTransitionKind.Fired, 1, T0);
        var resolved = AlertSamples.Alert("a2", "e1", AlertTransitionKind.Resolved, 2, T0.AddMinutes(3));
        await queue.SendMessageAsync(fired.ToJson());                                             // plain JSON
        await queue.SendMessageAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(resolved.ToJson()))); // base64 of JSON
        await queue.SendMessageAsync("not an alert");

        var messages = await new AlertLogReader(queue, TimeSpan.FromMinutes(5), delete: false).ReceiveAsync(CancellationToken.None);

        Assert.Equal(3, messages.Count);
        var alerts = messages.Where(m => m.Alert is not null).Select(m => m.Alert!).OrderBy(a => a.Id).ToList();
        Assert.Equal([fired.ToJson(), resolved.ToJson()], alerts.Select(a => a.ToJson()));
        var bad = Assert.Single(messages, m => m.Alert is null);
        Assert.Equal("not an alert", bad.Text);
        Assert.Contains("neither JSON nor base64", bad.Problem, StringComparison.Ordinal);
    }

    [AzuriteFact]
    public async Task Without_delete_read_messages_stay_in_the_queue()
    {
        var queue = azurite.CreateQueueClient(QueueName());
        await queue.CreateAsync();
        await queue.SendMessageAsync(AlertSamples.Alert("a1", "e1", AlertTransitionKind.Fired, 1, T0).ToJson());
        await queue.SendMessageAsync(AlertSamples.Alert("a2", "e2", AlertTransitionKind.Fired, 1, T0).ToJson());

        var read = await new AlertLogReader(queue, TimeSpan.FromMinutes(5), delete: false).ReceiveAsync(CancellationToken.None);

        Assert.Equal(["a1", "a2"], read.Select(m => m.Alert!.Id).Order());
        Assert.Equal(2, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount); // hidden for 5 min, not gone
    }

    [AzuriteFact]
    public async Task With_delete_read_messages_are_consumed_even_those_that_are_not_alerts()
    {
        var queue = azurite.CreateQueueClient(QueueName());
        await queue.CreateAsync();
        await queue.SendMessageAsync(AlertSamples.Alert("a1", "e1", AlertTransitionKind.Fired, 1, T0).ToJson());
        await queue.SendMessageAsync("{\"not\":\"a CloudEvent\"}");

        var read = await new AlertLogReader(queue, TimeSpan.FromMinutes(5), delete: true).ReceiveAsync(CancellationToken.None);

        Assert.Equal(2, read.Count);
        Assert.Single(read, m => m.Alert is null && m.Problem!.StartsWith("the message is not an alert CloudEvent", StringComparison.Ordinal));
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
