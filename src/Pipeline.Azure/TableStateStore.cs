using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Azure;

/// <summary>
/// <see cref="IStateStore"/> on Azure Table storage.
/// <para>
/// State: one entity per key (PartitionKey = escaped key, RowKey empty) holding the snapshot in ≤ 64 KiB binary chunks
/// (<c>S0</c>, <c>S1</c>, … with <c>SChunks</c>/<c>SLength</c>) and the key's deadline (<c>DeadlineTicks</c>).
/// Writes are conditional on the ETag (add when new), and a 409/412/404 becomes <see cref="StateConflictException"/>.
/// </para>
/// <para>
/// Deadline index: a second table with one row per (UTC minute bucket <c>yyyyMMddHHmm</c>, escaped key). Invariant: while
/// a key's stored deadline is D, a row exists in bucket(D). A writer that moves a key to another bucket upserts the new
/// row before and again after its state write, so neither a crash nor a concurrent cleaner can leave the real deadline
/// unindexed. Old rows are not deleted by writers (a writer cannot tell its old row from a newer writer's); they become
/// stale, and <see cref="GetDueKeysAsync"/> checks each candidate against the key's real deadline, skips stale rows and
/// deletes them conditionally on the ETag it read (a writer's second upsert changes that ETag, so a live row survives).
/// Only buckets up to asOf's are read (<c>PartitionKey le bucket(asOf)</c>), in bucket order, stopping after the bucket
/// that fills <c>maxKeys</c>: state entities of keys that are not due are never read. Callers (the Sweep) still re-check
/// each key's deadline after loading it, as they must for any store.
/// </para>
/// </summary>
public sealed class TableStateStore : IStateStore, IKeyLimit
{
    /// <summary>The largest snapshot one entity can hold.</summary>
    public const int MaxSnapshotBytes = TableKeys.ChunkBytes * TableKeys.MaxChunks;

    private const string RowKey = "";
    private const string SnapshotPrefix = "S";
    private const string DeadlineProperty = "DeadlineTicks";
    private const int Parallelism = 16;

    private readonly TableClient _state;
    private readonly TableClient _deadlines;

    // The deadline last seen with each ETag, so a write that stays in the same bucket skips the index (an optimisation
    // only: without an entry the index rows are simply upserted).
    private readonly ConcurrentDictionary<string, (string ETag, DateTimeOffset? Deadline)> _known = new(StringComparer.Ordinal);

    public TableStateStore(TableServiceClient service, string stateTable = "state", string deadlinesTable = "deadlines")
    {
        ArgumentNullException.ThrowIfNull(service);
        _state = service.GetTableClient(stateTable);
        _deadlines = service.GetTableClient(deadlinesTable);
    }

    /// <summary>
    /// A key is the escaped PartitionKey of its state entity and the escaped RowKey of its deadline index rows, so its
    /// escaped form must fit one Table key. Table storage answers 400 InvalidInput for a longer one, every time: the
    /// processor checks this when it decodes an event and dead-letters the event instead.
    /// </summary>
    public string? Check(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return TableKeys.KeyProblem(key);
    }

    /// <summary>Creates both tables if they do not exist (infrastructure normally does).</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        await _state.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await _deadlines.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<string, StoredState>> LoadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
        }

        var found = new ConcurrentDictionary<string, StoredState>(StringComparer.Ordinal);
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(keys.Distinct(StringComparer.Ordinal), options, async (key, token) =>
        {
            var response = await _state.GetEntityIfExistsAsync<TableEntity>(TableKeys.Escape(key), RowKey, cancellationToken: token).ConfigureAwait(false);
            if (response.HasValue && response.Value is { } entity)
            {
                var deadline = entity.GetInt64(DeadlineProperty) is { } ticks ? TableKeys.FromTicks(ticks) : (DateTimeOffset?)null;
                var etag = entity.ETag.ToString();
                _known[key] = (etag, deadline);
                found[key] = new StoredState(key, TableKeys.ReadChunks(entity, SnapshotPrefix), etag, deadline);
            }
        }).ConfigureAwait(false);

        return new Dictionary<string, StoredState>(found, StringComparer.Ordinal);
    }

    public async Task<string> SaveAsync(StateWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentException.ThrowIfNullOrEmpty(write.Key);
        var partitionKey = TableKeys.Escape(write.Key);
        var entity = new TableEntity(partitionKey, RowKey);
        TableKeys.WriteChunks(entity, SnapshotPrefix, write.Snapshot.Span);
        if (write.NextDeadline is { } deadline)
        {
            entity[DeadlineProperty] = deadline.UtcTicks;
        }

        var bucket = write.NextDeadline is { } next ? TableKeys.MinuteBucket(next) : null;
        var indexNeeded = bucket is not null && !SameBucketAsKnown(write.Key, write.ExpectedETag, bucket);
        if (indexNeeded)
        {
            await UpsertIndexRowAsync(bucket!, partitionKey, cancellationToken).ConfigureAwait(false);
        }

        string etag;
        try
        {
            var response = write.ExpectedETag is null
                ? await _state.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false)
                : await _state.UpdateEntityAsync(entity, new ETag(write.ExpectedETag), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            etag = response.Headers.ETag?.ToString() ?? throw new InvalidOperationException($"Table storage returned no ETag for key '{write.Key}'.");
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            _known.TryRemove(write.Key, out _);
            throw new StateConflictException(write.Key, write.ExpectedETag, e);
        }

        if (indexNeeded)
        {
            // Second upsert: changes the row's ETag, so a cleaner that judged the row stale before our write cannot delete it.
            await UpsertIndexRowAsync(bucket!, partitionKey, cancellationToken).ConfigureAwait(false);
        }

        _known[write.Key] = (etag, write.NextDeadline);
        return etag;
    }

    public async Task<IReadOnlyList<string>> GetDueKeysAsync(DateTimeOffset asOf, int maxKeys, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxKeys);
        if (maxKeys == 0)
        {
            return [];
        }

        var due = new ConcurrentBag<(long Ticks, string Key)>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey le {TableKeys.MinuteBucket(asOf)}");
        var bucketRows = new List<TableEntity>();
        string? bucket = null;
        await foreach (var row in _deadlines.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey"], cancellationToken).ConfigureAwait(false))
        {
            if (row.PartitionKey != bucket)
            {
                // Rows arrive in bucket order; a later bucket only holds later deadlines.
                await CheckBucketAsync(bucketRows, asOf, due, cancellationToken).ConfigureAwait(false);
                bucketRows.Clear();
                if (due.Count >= maxKeys)
                {
                    break;
                }

                bucket = row.PartitionKey;
            }

            bucketRows.Add(row);
        }

        if (due.Count < maxKeys)
        {
            await CheckBucketAsync(bucketRows, asOf, due, cancellationToken).ConfigureAwait(false);
        }

        return due
            .OrderBy(d => d.Ticks)
            .ThenBy(d => d.Key, StringComparer.Ordinal)
            .Take(maxKeys)
            .Select(d => d.Key)
            .ToList();
    }

    private bool SameBucketAsKnown(string key, string? expectedETag, string bucket) =>
        expectedETag is not null
        && _known.TryGetValue(key, out var known)
        && known.ETag == expectedETag
        && known.Deadline is { } knownDeadline
        && TableKeys.MinuteBucket(knownDeadline) == bucket;

    private async Task UpsertIndexRowAsync(string bucket, string partitionKey, CancellationToken cancellationToken)
    {
        await _deadlines.UpsertEntityAsync(new TableEntity(bucket, partitionKey), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Keeps the rows of one bucket whose key's real deadline is in that bucket and ≤ asOf; removes stale rows.</summary>
    private async Task CheckBucketAsync(List<TableEntity> rows, DateTimeOffset asOf, ConcurrentBag<(long Ticks, string Key)> due, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(rows, options, async (row, token) =>
        {
            var state = await _state.GetEntityIfExistsAsync<TableEntity>(row.RowKey, RowKey, select: [DeadlineProperty], cancellationToken: token).ConfigureAwait(false);
            var ticks = state.HasValue ? state.Value?.GetInt64(DeadlineProperty) : null;
            if (ticks is not { } realTicks || TableKeys.MinuteBucket(TableKeys.FromTicks(realTicks)) != row.PartitionKey)
            {
                await DeleteStaleRowAsync(row, token).ConfigureAwait(false);
                return;
            }

            if (realTicks <= asOf.UtcTicks)
            {
                due.Add((realTicks, TableKeys.Unescape(row.RowKey)));
            }
        }).ConfigureAwait(false);
    }

    private async Task DeleteStaleRowAsync(TableEntity row, CancellationToken cancellationToken)
    {
        if (row.ETag == default)
        {
            // Without the ETag we read, a delete could remove a row a writer just renewed.
            return;
        }

        try
        {
            await _deadlines.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Already gone, or re-upserted by a writer since we read it: either way not ours to remove.
        }
    }
}
