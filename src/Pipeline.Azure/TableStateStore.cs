using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Azure;

/// <summary>
/// <see cref="IStateStore"/> on Azure Table storage, shaped for few transactions per event and no hot partition.
/// <para>
/// Layout: one entity per key in one table. PartitionKey is the key's hash bucket (<c>b000</c>…, a fixed number of
/// buckets per table), RowKey the escaped key. The entity holds the snapshot in ≤ 64 KiB binary chunks (<c>S0</c>,
/// <c>S1</c>, … with <c>SChunks</c>/<c>SLength</c>) and the key's deadline as <c>DeadlineTicks</c> (absent when the key
/// has none). The deadline is a property of the state entity itself, so the index can never disagree with the state
/// and moving a deadline costs no extra entity operation.
/// </para>
/// <para>
/// Writes (<see cref="SaveManyAsync"/>): the keys of one bucket are written in entity group transactions of up to 100
/// operations (and well under the 4 MiB payload limit), each operation conditional on its own ETag (add when new). A
/// 409/412/404 on one operation fails its transaction; that key is reported as a conflict and the rest of the
/// transaction is resubmitted without it. A snapshot too big to share a transaction is written on its own.
/// </para>
/// <para>
/// Reads: keys of one bucket are fetched by one query of up to 14 RowKeys (the service allows 15 comparisons per
/// filter). Due keys: one query per bucket, <c>PartitionKey eq bucket and DeadlineTicks le asOf</c>, returning only
/// RowKey and DeadlineTicks, so the Sweep's requests grow with the buckets and the due keys, not with all keys.
/// </para>
/// <para>
/// Tables written by the earlier layout (PartitionKey = key, a separate <c>deadlines</c> table) are not read: their
/// rows have an empty RowKey and are ignored, and state is rebuilt from new events (see docs/performance-storage.md).
/// </para>
/// </summary>
public sealed class TableStateStore : IStateStore, IKeyLimit
{
    /// <summary>The largest snapshot one entity can hold.</summary>
    public const int MaxSnapshotBytes = TableKeys.ChunkBytes * TableKeys.MaxChunks;

    /// <summary>Default bucket count: keeps each partition under 2,000 entity writes/s up to 50,000 events/s.</summary>
    public const int DefaultBuckets = 32;

    /// <summary>The service's limit of operations per entity group transaction.</summary>
    public const int MaxTransactionOperations = EntityGroupTransactions.MaxOperations;

    private const string SnapshotPrefix = "S";
    private const string DeadlineProperty = "DeadlineTicks";
    private const int Parallelism = 16;

    // The service allows 15 comparisons in one $filter: PartitionKey plus 14 RowKeys.
    private const int KeysPerQuery = 14;

    private readonly TableClient _state;
    private readonly int _buckets;

    public TableStateStore(TableServiceClient service, string stateTable = "state", int buckets = DefaultBuckets)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(buckets, 4096);
        _state = service.GetTableClient(stateTable);
        _buckets = buckets;
    }

    /// <summary>
    /// A key is the escaped RowKey of its state entity, so its escaped form must fit one Table key. Table storage
    /// answers 400 InvalidInput for a longer one, every time: the processor checks this when it decodes an event and
    /// dead-letters the event instead.
    /// </summary>
    public string? Check(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return TableKeys.KeyProblem(key);
    }

    /// <summary>Creates the state table if it does not exist (infrastructure normally does).</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        await _state.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>The PartitionKey of a key's bucket.</summary>
    public string BucketOf(string key) => TableKeys.Bucket(key, _buckets);

    public async Task<IReadOnlyDictionary<string, StoredState>> LoadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
        }

        var groups = keys.Distinct(StringComparer.Ordinal)
            .GroupBy(BucketOf, StringComparer.Ordinal)
            .SelectMany(bucket => bucket.Chunk(KeysPerQuery).Select(chunk => (Bucket: bucket.Key, Keys: chunk)))
            .ToList();
        var found = new ConcurrentDictionary<string, StoredState>(StringComparer.Ordinal);
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(groups, options, async (group, token) =>
        {
            if (group.Keys.Length == 1)
            {
                // A point read is the cheapest request for a single key.
                var response = await _state.GetEntityIfExistsAsync<TableEntity>(group.Bucket, TableKeys.Escape(group.Keys[0]), cancellationToken: token).ConfigureAwait(false);
                if (response.HasValue && response.Value is { } entity)
                {
                    found[group.Keys[0]] = ToStoredState(group.Keys[0], entity);
                }

                return;
            }

            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {group.Bucket}") + " and ("
                + string.Join(" or ", group.Keys.Select(k => TableClient.CreateQueryFilter($"RowKey eq {TableKeys.Escape(k)}"))) + ")";
            await foreach (var entity in _state.QueryAsync<TableEntity>(filter, cancellationToken: token).ConfigureAwait(false))
            {
                var key = TableKeys.Unescape(entity.RowKey);
                found[key] = ToStoredState(key, entity);
            }
        }).ConfigureAwait(false);

        return new Dictionary<string, StoredState>(found, StringComparer.Ordinal);
    }

    public async Task<string> SaveAsync(StateWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var result = (await SaveManyAsync([write], cancellationToken).ConfigureAwait(false))[0];
        return result.ETag ?? throw new StateConflictException(write.Key, write.ExpectedETag);
    }

    public async Task<IReadOnlyList<StateSaveResult>> SaveManyAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writes);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var entities = new TableEntity[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i] ?? throw new ArgumentException($"Write {i} is null.", nameof(writes));
            ArgumentException.ThrowIfNullOrEmpty(write.Key);
            if (!seen.Add(write.Key))
            {
                throw new ArgumentException($"Key '{write.Key}' appears twice in one save; each key may be written once per call.", nameof(writes));
            }

            // Built (and size-checked) before anything is sent, so an oversized snapshot writes nothing.
            entities[i] = ToEntity(write);
        }

        var etags = new string?[writes.Count];
        var transactions = Enumerable.Range(0, writes.Count)
            .GroupBy(i => entities[i].PartitionKey, StringComparer.Ordinal)
            .SelectMany(bucket => EntityGroupTransactions.Chunk(bucket, i => EntityGroupTransactions.BinaryEntityBytes(writes[i].Snapshot.Length)))
            .ToList();
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(transactions, options, async (indexes, token) =>
            await SubmitAsync(indexes, writes, entities, etags, token).ConfigureAwait(false)).ConfigureAwait(false);

        return writes.Select((w, i) => new StateSaveResult(w.Key, etags[i])).ToList();
    }

    public async Task<IReadOnlyList<string>> GetDueKeysAsync(DateTimeOffset asOf, int maxKeys, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxKeys);
        if (maxKeys == 0)
        {
            return [];
        }

        var due = new ConcurrentBag<(long Ticks, string Key)>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, _buckets), options, async (bucket, token) =>
        {
            // RowKey gt '' skips rows of the earlier layout (empty RowKey) in case a key's name equals a bucket's.
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.BucketName(bucket)} and RowKey gt {string.Empty} and DeadlineTicks le {asOf.UtcTicks}");
            var taken = 0;
            await foreach (var row in _state.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey", DeadlineProperty], token).ConfigureAwait(false))
            {
                if (row.GetInt64(DeadlineProperty) is { } ticks)
                {
                    due.Add((ticks, TableKeys.Unescape(row.RowKey)));
                    if (++taken >= maxKeys)
                    {
                        break; // this bucket alone fills the answer; its later pages are not needed
                    }
                }
            }
        }).ConfigureAwait(false);

        return due
            .OrderBy(d => d.Ticks)
            .ThenBy(d => d.Key, StringComparer.Ordinal)
            .Take(maxKeys)
            .Select(d => d.Key)
            .ToList();
    }

    private static StoredState ToStoredState(string key, TableEntity entity)
    {
        var deadline = entity.GetInt64(DeadlineProperty) is { } ticks ? TableKeys.FromTicks(ticks) : (DateTimeOffset?)null;
        return new StoredState(key, TableKeys.ReadChunks(entity, SnapshotPrefix), entity.ETag.ToString(), deadline);
    }

    private TableEntity ToEntity(StateWrite write)
    {
        var entity = new TableEntity(BucketOf(write.Key), TableKeys.Escape(write.Key));
        TableKeys.WriteChunks(entity, SnapshotPrefix, write.Snapshot.Span);
        if (write.NextDeadline is { } deadline)
        {
            entity[DeadlineProperty] = deadline.UtcTicks;
        }

        return entity;
    }

    /// <summary>Submits one transaction; a conflicting operation is taken out and the rest resubmitted.</summary>
    private async Task SubmitAsync(List<int> indexes, IReadOnlyList<StateWrite> writes, TableEntity[] entities, string?[] etags, CancellationToken cancellationToken)
    {
        var pending = indexes;
        while (pending.Count > 0)
        {
            if (pending.Count == 1)
            {
                // One key: a plain conditional write (also the fallback for a snapshot too big to share a transaction).
                var i = pending[0];
                try
                {
                    var response = writes[i].ExpectedETag is null
                        ? await _state.AddEntityAsync(entities[i], cancellationToken).ConfigureAwait(false)
                        : await _state.UpdateEntityAsync(entities[i], new ETag(writes[i].ExpectedETag!), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                    etags[i] = response.Headers.ETag?.ToString() ?? throw new InvalidOperationException($"Table storage returned no ETag for key '{writes[i].Key}'.");
                }
                catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
                {
                    etags[i] = null;
                }

                return;
            }

            var actions = pending.Select(i => writes[i].ExpectedETag is null
                ? new TableTransactionAction(TableTransactionActionType.Add, entities[i])
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entities[i], new ETag(writes[i].ExpectedETag!))).ToList();
            try
            {
                var response = await _state.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                for (var j = 0; j < pending.Count; j++)
                {
                    etags[pending[j]] = response.Value[j].Headers.ETag?.ToString()
                        ?? throw new InvalidOperationException($"Table storage returned no ETag for key '{writes[pending[j]].Key}'.");
                }

                return;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404 && e.FailedTransactionActionIndex is { } failed && failed < pending.Count)
            {
                // Nothing of the transaction was written: drop the conflicting key and resubmit the others.
                etags[pending[failed]] = null;
                pending = [.. pending.Where((_, j) => j != failed)];
            }
        }
    }
}
