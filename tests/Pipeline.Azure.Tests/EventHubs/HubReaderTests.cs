using System.Runtime.CompilerServices;
using System.Text;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Pipeline.Azure.EventHubs;
using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Azure.Tests.EventHubs;

public sealed class HubReaderTests
{
    private const string Stream = "ns.servicebus.windows.net/telemetry/local";
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static PartitionEvent Event(string partition, long sequence, string? iotHubDevice = null) => new(
        EventHubsModelFactory.PartitionContext("ns.servicebus.windows.net", "telemetry", "local", partition),
        EventHubsModelFactory.EventData(new BinaryData(Encoding.UTF8.GetBytes($"body-{sequence}")), new Dictionary<string, object>(),
            iotHubDevice is null ? new Dictionary<string, object>() : new Dictionary<string, object> { [HubRecord.IotHubDeviceIdProperty] = iotHubDevice },
            partitionKey: null, sequenceNumber: sequence, offsetString: "0", enqueuedTime: T0.AddSeconds(sequence)));

    // What a partition read yields when nothing arrived within the maximum wait.
    private static PartitionEvent Quiet => default;

    [Fact]
    public async Task Each_partition_resumes_after_its_saved_position_and_the_others_start_at_the_first_start()
    {
        var positions = new MemoryPositionStore();
        await positions.SaveAsync(Stream, "0", 41);
        await positions.SaveAsync("other/hub/group", "1", 7); // another stream's position is not ours
        var consumer = new ScriptedConsumer(new() { ["0"] = [], ["1"] = [] });

        await new HubReader(consumer, positions, Stream, EventPosition.Earliest).ReadAsync((_, _, _) => Task.CompletedTask, CancellationToken.None);

        Assert.Equal(EventPosition.FromSequenceNumber(41, isInclusive: false), consumer.Starts["0"]);
        Assert.Equal(EventPosition.Earliest, consumer.Starts["1"]);
    }

    [Fact]
    public async Task Batches_end_when_full_or_when_the_partition_goes_quiet_and_each_batch_saves_its_last_position()
    {
        var positions = new MemoryPositionStore();
        var consumer = new ScriptedConsumer(new() { ["0"] = [Event("0", 10), Event("0", 11), Event("0", 12), Quiet, Quiet, Event("0", 13, "chiller-17")] });
        var timeline = new List<string>();

        await new HubReader(consumer, positions, Stream, EventPosition.Latest, new HubReaderOptions { MaxBatch = 2 }).ReadAsync(async (partition, events, ct) =>
        {
            var saved = await positions.LoadAsync(Stream, ct);
            timeline.Add($"{partition}: {string.Join(' ', events.Select(e => $"{e.Source.SequenceNumber}{(e.DeviceIdHint is { } d ? "@" + d : "")}"))} (saved before: {(saved.TryGetValue(partition, out var p) ? p : -1)})");
        }, CancellationToken.None);

        Assert.Equal(
        [
            "0: 10 11 (saved before: -1)", // full at two events; nothing saved yet
            "0: 12 (saved before: 11)",    // the quiet partition ends the batch; the first batch's position was saved
            "0: 13@chiller-17 (saved before: 12)", // the end of the read processes the rest; IoT Hub's device id travels as the hint
        ], timeline);
        Assert.Equal(13, (await positions.LoadAsync(Stream))["0"]);
    }

    [Fact]
    public async Task Events_carry_their_partition_sequence_number_and_enqueued_time()
    {
        var consumer = new ScriptedConsumer(new() { ["2"] = [Event("2", 5)] });
        var got = new List<RawEvent>();

        await new HubReader(consumer, new MemoryPositionStore(), Stream, EventPosition.Latest).ReadAsync((_, events, _) =>
        {
            got.AddRange(events);
            return Task.CompletedTask;
        }, CancellationToken.None);

        var e = Assert.Single(got);
        Assert.Equal(new SourcePosition("2", 5, T0.AddSeconds(5)), e.Source);
        Assert.Equal("body-5", Encoding.UTF8.GetString(e.Body.Span));
    }

    [Fact]
    public async Task A_failed_batch_saves_no_position_so_a_restart_reads_it_again()
    {
        var positions = new MemoryPositionStore();
        var consumer = new ScriptedConsumer(new() { ["0"] = [Event("0", 1), Quiet, Event("0", 2), Quiet] });
        var reader = new HubReader(consumer, positions, Stream, EventPosition.Earliest);

        await Assert.ThrowsAsync<InvalidOperationException>(() => reader.ReadAsync((_, events, _) =>
            events[0].Source.SequenceNumber == 2 ? throw new InvalidOperationException("state store down") : Task.CompletedTask, CancellationToken.None));

        Assert.Equal(1, (await positions.LoadAsync(Stream))["0"]);
    }

    [Fact]
    public async Task Cancellation_ends_a_read_that_waits_for_events()
    {
        var consumer = new ScriptedConsumer(new() { ["0"] = [Event("0", 1), Quiet] }) { WaitForeverAtEnd = true };
        using var cancel = new CancellationTokenSource();
        var positions = new MemoryPositionStore();

        var read = new HubReader(consumer, positions, Stream, EventPosition.Earliest).ReadAsync((_, _, _) =>
        {
            cancel.Cancel();
            return Task.CompletedTask;
        }, cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    /// <summary>A consumer through the SDK's mockable members: scripted partition reads, start positions recorded.</summary>
    private sealed class ScriptedConsumer(Dictionary<string, List<PartitionEvent>> script) : EventHubConsumerClient
    {
        public Dictionary<string, EventPosition> Starts { get; } = [];

        public bool WaitForeverAtEnd { get; init; }

        public override Task<string[]> GetPartitionIdsAsync(CancellationToken cancellationToken = default) => Task.FromResult(script.Keys.ToArray());

        public override async IAsyncEnumerable<PartitionEvent> ReadEventsFromPartitionAsync(string partitionId, EventPosition startingPosition,
            ReadEventOptions readOptions, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            lock (Starts)
            {
                Starts[partitionId] = startingPosition;
            }

            foreach (var item in script[partitionId])
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return item;
            }

            if (WaitForeverAtEnd)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }
    }
}
