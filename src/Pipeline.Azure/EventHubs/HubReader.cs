using Azure.Messaging.EventHubs.Consumer;
using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Azure.EventHubs;

/// <summary>How <see cref="HubReader"/> reads.</summary>
public sealed record HubReaderOptions
{
    /// <summary>Largest batch handed to the processing callback.</summary>
    public int MaxBatch { get; init; } = 500;

    /// <summary>How long a quiet partition waits before the events gathered so far are processed.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Reads every partition of a hub through one consumer group with <see cref="EventHubConsumerClient"/> partition reads.
/// Each partition resumes after the position saved in the <see cref="IPositionStore"/>, or starts at
/// <c>firstStart</c> when none is saved; a position is saved only after its batch was processed, so a crash replays
/// (the engine ignores events it already applied) rather than losing events.
/// </summary>
public sealed class HubReader(EventHubConsumerClient consumer, IPositionStore positions, string stream, EventPosition firstStart, HubReaderOptions? options = null)
{
    private readonly HubReaderOptions _options = options ?? new HubReaderOptions();

    /// <summary>The stream name positions are saved under: namespace, hub and consumer group.</summary>
    public static string StreamName(string fullyQualifiedNamespace, string hub, string consumerGroup) =>
        $"{fullyQualifiedNamespace}/{hub}/{consumerGroup}";

    /// <summary>Reads until cancelled; <paramref name="process"/> gets each partition's batches in order (partitions run concurrently).</summary>
    public async Task ReadAsync(Func<string, IReadOnlyList<RawEvent>, CancellationToken, Task> process, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(process);
        var partitions = await consumer.GetPartitionIdsAsync(cancellationToken).ConfigureAwait(false);
        var saved = await positions.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(partitions.Select(partition =>
            ReadPartitionAsync(partition, StartOf(saved, partition), process, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>Where a partition starts: after its saved position, else the first-start position.</summary>
    public EventPosition StartOf(IReadOnlyDictionary<string, long> saved, string partition)
    {
        ArgumentNullException.ThrowIfNull(saved);
        return saved.TryGetValue(partition, out var sequence) ? EventPosition.FromSequenceNumber(sequence, isInclusive: false) : firstStart;
    }

    private async Task ReadPartitionAsync(string partition, EventPosition start, Func<string, IReadOnlyList<RawEvent>, CancellationToken, Task> process,
        CancellationToken cancellationToken)
    {
        var readOptions = new ReadEventOptions { MaximumWaitTime = _options.MaxWait };
        var batch = new List<RawEvent>(_options.MaxBatch);
        long last = -1;
        await foreach (var item in consumer.ReadEventsFromPartitionAsync(partition, start, readOptions, cancellationToken).ConfigureAwait(false))
        {
            if (item.Data is { } data)
            {
                batch.Add(HubEventMapping.ToRawEvent(partition, data));
                last = data.SequenceNumber;
            }

            // A batch is processed when full, or when the partition went quiet (an empty item after MaxWait).
            if (batch.Count >= _options.MaxBatch || (item.Data is null && batch.Count > 0))
            {
                await process(partition, batch, cancellationToken).ConfigureAwait(false);
                await positions.SaveAsync(stream, partition, last, cancellationToken).ConfigureAwait(false);
                batch = new List<RawEvent>(_options.MaxBatch);
            }
        }

        // A read ends only when the client is closed; what it delivered before is still processed.
        if (batch.Count > 0)
        {
            await process(partition, batch, cancellationToken).ConfigureAwait(false);
            await positions.SaveAsync(stream, partition, last, cancellationToken).ConfigureAwait(false);
        }
    }
}
