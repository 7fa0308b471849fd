using System.Text;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Pipeline.Azure.EventHubs;
using Pipeline.Local.Tests;

namespace Pipeline.Azure.Tests.EventHubs;

public sealed class HubSenderTests
{
    private static (string, ReadOnlyMemory<byte>) E(string device, string body) => (device, Encoding.UTF8.GetBytes(body));

    [Fact]
    public async Task Events_are_batched_per_device_partition_key_in_order_and_a_full_batch_is_sent_before_the_next()
    {
        var producer = new RecordingProducer(capacity: 2);
        var sender = new HubSender(producer, new TimerSignallingTimeProvider());

        var result = await sender.SendAsync([E("d1", "a"), E("d2", "b"), E("d1", "c"), E("d3", "d"), E("d2", "e"), E("d1", "f")], CancellationToken.None);

        Assert.Equal(
        [
            "d1: a c", // d1's first batch is full after two events
            "d1: f",   // the rest of d1
            "d2: b e",
            "d3: d",
        ], producer.Sent);
        Assert.Equal(new HubSendResult(Sent: 6, Failed: 0, Batches: 4, Retries: 0), result);
    }

    [Fact]
    public async Task The_sender_adds_up_what_every_send_did()
    {
        var producer = new RecordingProducer(capacity: 2);
        var sender = new HubSender(producer, new TimerSignallingTimeProvider());

        await sender.SendAsync([E("d1", "a"), E("d1", "b"), E("d1", "c")], CancellationToken.None); // two batches
        await sender.SendAsync([E("d2", "d")], CancellationToken.None);                             // one more

        Assert.Equal(new HubSendResult(Sent: 4, Failed: 0, Batches: 3, Retries: 0), sender.Total);
    }

    [Theory]
    [InlineData(0.5, 4)]  // under a second counts as one, so a first report is not inflated
    [InlineData(2, 2)]
    public void The_rate_is_events_sent_per_second_elapsed(double seconds, double perSecond) =>
        Assert.Equal(perSecond, new HubSendResult(Sent: 4, Failed: 0, Batches: 1, Retries: 0).SentPerSecond(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public async Task A_batch_refused_as_busy_is_sent_again_after_doubling_waits()
    {
        var time = new TimerSignallingTimeProvider();
        var producer = new RecordingProducer(capacity: 10) { BusyAnswers = 2 };
        var sender = new HubSender(producer, time, new HubSendOptions { FirstDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(30) });

        var send = sender.SendAsync([E("d1", "a"), E("d1", "b")], CancellationToken.None);
        Assert.Equal(TimeSpan.FromSeconds(1), await time.NextTimerAsync()); // first refusal: wait 1 s
        Assert.Equal(["d1: a b (busy)"], producer.Attempts);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(2), await time.NextTimerAsync()); // second refusal: wait 2 s
        time.Advance(TimeSpan.FromSeconds(2));
        var result = await send;

        Assert.Equal(["d1: a b (busy)", "d1: a b (busy)", "d1: a b"], producer.Attempts);
        Assert.Equal(["d1: a b"], producer.Sent);
        Assert.Equal(new HubSendResult(Sent: 2, Failed: 0, Batches: 1, Retries: 2), result);
    }

    [Fact]
    public async Task A_batch_still_busy_after_the_last_attempt_counts_as_failed_and_the_next_key_is_still_sent()
    {
        var time = new TimerSignallingTimeProvider();
        var producer = new RecordingProducer(capacity: 10) { BusyAnswers = 2 };
        var sender = new HubSender(producer, time, new HubSendOptions { MaxAttempts = 2, FirstDelay = TimeSpan.FromSeconds(1) });

        var send = sender.SendAsync([E("d1", "a"), E("d2", "b")], CancellationToken.None);
        await time.DriveUntilDoneAsync(send);
        var result = await send;

        Assert.Equal(["d1: a (busy)", "d1: a (busy)", "d2: b"], producer.Attempts);
        Assert.Equal(new HubSendResult(Sent: 1, Failed: 1, Batches: 2, Retries: 1), result);
    }

    [Fact]
    public async Task A_missing_role_is_not_retried()
    {
        var producer = new RecordingProducer(capacity: 10) { Failure = new UnauthorizedAccessException("Unauthorized access. 'Send' claim(s) are required") };
        var sender = new HubSender(producer, new TimerSignallingTimeProvider());

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => sender.SendAsync([E("d1", "a")], CancellationToken.None));

        Assert.Single(producer.Attempts);
    }

    [Fact]
    public async Task Cancellation_during_a_throttling_wait_ends_the_send()
    {
        var time = new TimerSignallingTimeProvider();
        var producer = new RecordingProducer(capacity: 10) { BusyAnswers = 100 };
        var sender = new HubSender(producer, time);
        using var cancel = new CancellationTokenSource();

        var send = sender.SendAsync([E("d1", "a")], cancel.Token);
        await time.NextTimerAsync();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        Assert.Single(producer.Attempts);
    }

    /// <summary>A producer through the SDK's mockable members: batches from the model factory, sends recorded.</summary>
    private sealed class RecordingProducer(int capacity) : EventHubProducerClient
    {
        private readonly Dictionary<EventDataBatch, (string? Key, List<EventData> Events)> _batches = [];

        public int BusyAnswers { get; set; }

        public Exception? Failure { get; init; }

        public List<string> Attempts { get; } = [];

        public List<string> Sent { get; } = [];

        public override ValueTask<EventDataBatch> CreateBatchAsync(CreateBatchOptions options, CancellationToken cancellationToken = default)
        {
            var events = new List<EventData>();
            var batch = EventHubsModelFactory.EventDataBatch(1024, events, options, _ => events.Count < capacity);
            _batches[batch] = (options.PartitionKey, events);
            return ValueTask.FromResult(batch);
        }

        public override Task SendAsync(EventDataBatch eventBatch, CancellationToken cancellationToken = default)
        {
            var (key, events) = _batches[eventBatch];
            var line = $"{key}: {string.Join(' ', events.Select(e => e.EventBody.ToString()))}";
            if (Failure is not null)
            {
                Attempts.Add(line + " (failed)");
                return Task.FromException(Failure);
            }

            if (BusyAnswers > 0)
            {
                BusyAnswers--;
                Attempts.Add(line + " (busy)");
                return Task.FromException(new EventHubsException(true, "telemetry", "The request was terminated because the entity is being throttled.", EventHubsException.FailureReason.ServiceBusy));
            }

            Attempts.Add(line);
            Sent.Add(line);
            return Task.CompletedTask;
        }
    }
}
