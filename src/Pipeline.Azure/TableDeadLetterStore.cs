using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Azure;

/// <summary>
/// <see cref="IDeadLetterStore"/> on Azure Table storage.
/// <para>
/// Dead letters: PartitionKey = UTC day of RecordedAt (<c>yyyyMMdd</c>), RowKey = RecordedAt ticks (19 digits) + <c>_</c> +
/// escaped id, so a <c>[since, until)</c> query is a key-range scan returned oldest first. The raw body is kept in binary
/// chunks (<c>B0</c>…); partition, sequence number, enqueued time, reason and detail are plain properties.
/// </para>
/// <para>
/// Idempotency: the row key depends on RecordedAt, which differs on redelivery, so an id row (PartitionKey <c>id</c>,
/// RowKey = escaped id) is added first and fixes the recording time; the dead letter is then added at that time. A failure
/// between the two throws, and the caller's retry completes the pair.
/// </para>
/// </summary>
public sealed class TableDeadLetterStore : IDeadLetterStore
{
    /// <summary>Bodies above this are kept truncated (an Event Hubs event can be larger than one entity), marked in the detail.</summary>
    public const int MaxBodyBytes = TableKeys.ChunkBytes * 14;

    private const string IdPartition = "id";
    private const string BodyPrefix = "B";
    private const int MaxDetailChars = 16_000;
    private const int Parallelism = 8;

    private readonly TableClient _table;

    public TableDeadLetterStore(TableServiceClient service, string tableName = "deadletters")
    {
        ArgumentNullException.ThrowIfNull(service);
        _table = service.GetTableClient(tableName);
    }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        await _table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);

    public async Task AddAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetters);
        var unique = new List<DeadLetter>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var deadLetter in deadLetters)
        {
            ArgumentNullException.ThrowIfNull(deadLetter);
            ArgumentException.ThrowIfNullOrEmpty(deadLetter.Id);

            // Within one call the first occurrence wins, as it would across calls.
            if (seen.Add(deadLetter.Id))
            {
                unique.Add(deadLetter);
            }
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(unique, options, async (deadLetter, token) =>
        {
            var recordedAt = await ClaimIdAsync(deadLetter, token).ConfigureAwait(false);
            try
            {
                await _table.AddEntityAsync(ToEntity(deadLetter, recordedAt), token).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // Stored by an earlier attempt.
            }
        }).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DeadLetter>> QueryAsync(DateTimeOffset since, DateTimeOffset until, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        var result = new List<DeadLetter>();
        if (until <= since || max == 0)
        {
            return result;
        }

        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {TableKeys.DayBucket(since)} and PartitionKey le {TableKeys.DayBucket(until)} and RowKey ge {TableKeys.Ticks(since)} and RowKey lt {TableKeys.Ticks(until)}");
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result.Add(FromEntity(entity));
            if (result.Count >= max)
            {
                break;
            }
        }

        return result;
    }

    /// <summary>
    /// Retention: deletes the dead letters recorded before <paramref name="olderThan"/>, then their id rows (so a crash in
    /// between leaves id rows only, which the next purge removes). The day partitions make it a key-range scan.
    /// </summary>
    public async Task<int> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        // "id" sorts after every yyyyMMdd day, so the range never reaches the id rows.
        var letters = await TableRetention.DeleteAsync(_table,
            TableClient.CreateQueryFilter($"PartitionKey le {TableKeys.DayBucket(olderThan)} and RowKey lt {TableKeys.Ticks(olderThan)}"),
            Parallelism, cancellationToken).ConfigureAwait(false);
        await TableRetention.DeleteAsync(_table,
            TableClient.CreateQueryFilter($"PartitionKey eq {IdPartition} and RecordedTicks lt {olderThan.UtcTicks}"),
            Parallelism, cancellationToken).ConfigureAwait(false);
        return letters;
    }

    /// <summary>Records the id's first recording time, or returns the one recorded before.</summary>
    private async Task<DateTimeOffset> ClaimIdAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        var idRow = new TableEntity(IdPartition, TableKeys.Escape(deadLetter.Id)) { ["RecordedTicks"] = deadLetter.RecordedAt.UtcTicks };
        try
        {
            await _table.AddEntityAsync(idRow, cancellationToken).ConfigureAwait(false);
            return deadLetter.RecordedAt;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = await _table.GetEntityAsync<TableEntity>(idRow.PartitionKey, idRow.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            var ticks = existing.Value.GetInt64("RecordedTicks") ?? throw new InvalidDataException($"Dead-letter id row '{deadLetter.Id}' has no RecordedTicks.");
            return TableKeys.FromTicks(ticks);
        }
    }

    private static TableEntity ToEntity(DeadLetter deadLetter, DateTimeOffset recordedAt)
    {
        var entity = new TableEntity(TableKeys.DayBucket(recordedAt), TableKeys.Ticks(recordedAt) + "_" + TableKeys.Escape(deadLetter.Id))
        {
            ["Id"] = deadLetter.Id,
            ["Partition"] = deadLetter.Source.Partition,
            ["SequenceNumber"] = deadLetter.Source.SequenceNumber,
            ["EnqueuedTicks"] = deadLetter.Source.EnqueuedTime.UtcTicks,
            ["Reason"] = deadLetter.Reason.ToString(),
            ["RecordedTicks"] = recordedAt.UtcTicks,
        };

        var body = deadLetter.Body.Span;
        var detail = deadLetter.Detail.Length > MaxDetailChars ? deadLetter.Detail[..MaxDetailChars] + " [detail truncated]" : deadLetter.Detail;
        if (body.Length > MaxBodyBytes)
        {
            detail += string.Create(CultureInfo.InvariantCulture, $" [body truncated from {body.Length} to {MaxBodyBytes} bytes]");
            body = body[..MaxBodyBytes];
        }

        entity["Detail"] = detail;
        TableKeys.WriteChunks(entity, BodyPrefix, body);
        return entity;
    }

    private static DeadLetter FromEntity(TableEntity entity)
    {
        var source = new SourcePosition(
            entity.GetString("Partition") ?? string.Empty,
            entity.GetInt64("SequenceNumber") ?? -1,
            TableKeys.FromTicks(entity.GetInt64("EnqueuedTicks") ?? 0));
        var reason = Enum.TryParse<DeadLetterReason>(entity.GetString("Reason"), out var parsed) ? parsed : DeadLetterReason.Malformed;
        return new DeadLetter(
            entity.GetString("Id") ?? TableKeys.Unescape(entity.RowKey[20..]),
            TableKeys.ReadChunks(entity, BodyPrefix),
            source,
            reason,
            entity.GetString("Detail") ?? string.Empty,
            TableKeys.FromTicks(entity.GetInt64("RecordedTicks") ?? 0));
    }
}
