using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Azure;

/// <summary>
/// <see cref="IMetricHistory"/> in Table storage, so every instance of a scaled-out app lists the whole fleet and a
/// restart loses nothing that was flushed.
/// <para>
/// Writes: <see cref="Record"/> and <see cref="RecordState"/> only change memory (the processor calls them under its
/// gate) and mark the device dirty. <see cref="FlushAsync"/> (the background timer every
/// <see cref="TableMetricHistoryOptions.FlushInterval"/>, and the Function App's Sweep) writes at most
/// <see cref="TableMetricHistoryOptions.MaxDevicesPerFlush"/> dirty devices, oldest first, in entity group transactions
/// of up to 100 rows of one PartitionKey and under 4 MiB. The PartitionKey is a stable hash bucket of the device key
/// (FNV-1a, <see cref="TableMetricHistoryOptions.Partitions"/> buckets, 16 by default), so a flush of many devices fills
/// its transactions. Each row is written with its ETag (added when known absent).
/// </para>
/// <para>
/// Ownership moves: an instance that has not read a device's row yet (a partition it just took over, or after a
/// restart) reads it before its first write and merges the rings bucket by bucket (<see cref="MetricHistoryRow.Merge"/>),
/// so it never wipes the older points the previous owner wrote. A write that meets another instance's change (412, or
/// 409 on add) re-reads that row, merges again and writes in the same flush (up to three rounds, then the next flush).
/// </para>
/// <para>
/// Reads: <see cref="ListAsync"/> lists the table with a projection of only what the fleet needs (RowKey, LastTicks,
/// Pending and the labels and last values in <c>F</c>, not the rings), cached for
/// <see cref="TableMetricHistoryOptions.ListCacheDuration"/>, and overlays this instance's devices, which are newer than
/// the table until the next flush. <see cref="GetAsync"/> is a point read merged with memory.
/// </para>
/// <para>
/// Retention: <see cref="PurgeAsync"/> deletes the rows of devices last seen before a cut-off and drops them from memory,
/// so a retired device does not stay in the table, in every listing and in memory for good.
/// </para>
/// </summary>
public sealed class TableMetricHistory : IMetricHistory, IAsyncDisposable
{
    private const int Parallelism = 8;
    private const int ConflictRounds = 3;

    // The service allows 15 comparisons in one $filter: PartitionKey plus 14 RowKeys.
    private const int KeysPerQuery = 14;

    // More unread devices than this in one bucket: reading the whole partition takes fewer requests than RowKey queries.
    private const int ScanThreshold = 4 * KeysPerQuery;

    private static readonly string[] PurgeColumns = ["PartitionKey", "RowKey", "Timestamp", MetricHistoryRow.LastTicksProperty, MetricHistoryRow.ListedTicksProperty];

    private static readonly string[] FleetColumns = ["RowKey", MetricHistoryRow.LastTicksProperty, MetricHistoryRow.PendingProperty, MetricHistoryRow.FleetProperty];

    private readonly TableClient _table;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, MetricHistoryRow> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<MetricHistoryRow> _dirty = new();
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private readonly SemaphoreSlim _listGate = new(1, 1);
    private readonly long _widthTicks;
    private readonly int _buckets;
    private readonly int _maxMetrics;
    private readonly ITimer? _timer;
    private readonly NewestEventTime _latest = new();
    private (long At, IReadOnlyList<MetricHistoryRow> Rows)? _listed;

    public TableMetricHistory(TableServiceClient service, TableMetricHistoryOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        Options = options ?? new TableMetricHistoryOptions();
        Options.Validate();
        _table = service.GetTableClient(Options.Table);
        _time = time ?? TimeProvider.System;
        _widthTicks = Options.History.BucketWidth.Ticks;
        _buckets = Options.History.Buckets;
        _maxMetrics = Options.History.MaxMetricsPerDevice;
        if (Options.FlushInterval > TimeSpan.Zero)
        {
            _timer = _time.CreateTimer(_ => BackgroundFlush = FlushInBackgroundAsync(), null, Options.FlushInterval, Options.FlushInterval);
        }
    }

    public TableMetricHistoryOptions Options { get; }

    /// <summary>The newest event time this instance recorded; null before its first event.</summary>
    public DateTimeOffset? LatestEventTime => _latest.Value;

    /// <summary>Devices waiting for a flush.</summary>
    public int DirtyCount => _dirty.Count;

    /// <summary>What the last background flush threw, if it failed; cleared by the next one that succeeds.</summary>
    public Exception? LastFlushError { get; private set; }

    /// <summary>The timer's latest flush (what tests await instead of waiting for time to pass); null before the first.</summary>
    internal Task? BackgroundFlush { get; private set; }

    /// <summary>Creates the table if it does not exist (infrastructure normally does).</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        await _table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);

    public void Record(IReadOnlyList<Telemetry> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            _latest.Raise(e.Timestamp);
            var device = EnterDevice(e.Key);
            try
            {
                device.Add(e, _widthTicks, _buckets, _maxMetrics);
                MarkDirty(device);
            }
            finally
            {
                Monitor.Exit(device);
            }
        }
    }

    public void RecordState(string key, bool pending, DateTimeOffset processingTime)
    {
        ArgumentNullException.ThrowIfNull(key);
        var device = EnterDevice(key);
        try
        {
            // Called for every key of every batch: only a change (or a key this instance had no flag for) is written.
            if (device.HasState && device.Pending == pending)
            {
                return;
            }

            if (device.ListedTicks == long.MinValue)
            {
                device.ListedTicks = processingTime.UtcTicks;
            }

            device.HasState = true;
            device.Pending = pending;
            MarkDirty(device);
        }
        finally
        {
            Monitor.Exit(device);
        }
    }

    /// <summary>
    /// Removes the devices last seen before <paramref name="cutoff"/> (newest event; for a key that never sent, when it
    /// was first listed; for a row without either, written before retention, its last write). Reads the candidate rows'
    /// keys, times and ETags (a <c>$select</c> query), deletes them in entity group transactions per PartitionKey, each
    /// with the ETag read, so a row another instance wrote since is kept; then drops from memory every device of this
    /// instance last seen before the cut-off. A device with changes this instance has not flushed is kept, in the table
    /// and in memory, until a later purge. Runs under the flush's gate, so no flush of this instance writes meanwhile.
    /// Returns the rows deleted plus the devices dropped that only memory held (keys too long for a RowKey).
    /// </summary>
    public async Task<int> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        var cutoffTicks = cutoff.UtcTicks;
        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var candidates = await PurgeCandidatesAsync(cutoff, cancellationToken).ConfigureAwait(false);
            var transactions = candidates
                .GroupBy(c => c.PartitionKey, StringComparer.Ordinal)
                .SelectMany(bucket => EntityGroupTransactions.Chunk(bucket, _ => EntityGroupTransactions.BinaryEntityBytes(0)))
                .ToList();
            var deleted = 0;
            var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(transactions, options, async (transaction, token) =>
                Interlocked.Add(ref deleted, await DeleteAsync(transaction, token).ConfigureAwait(false))).ConfigureAwait(false);

            var memoryOnly = 0;
            foreach (var device in _devices.Values)
            {
                lock (device)
                {
                    var seen = device.LastSeenTicks;
                    if (device.Dirty || seen == long.MinValue || seen >= cutoffTicks)
                    {
                        continue;
                    }

                    device.Removed = true;
                    _devices.TryRemove(new KeyValuePair<string, MetricHistoryRow>(device.Key, device));
                    if (TableKeys.KeyProblem(device.Key) is not null)
                    {
                        memoryOnly++;
                    }
                }
            }

            // This instance's next listing reads the table again instead of showing the deleted rows for a while.
            _listed = null;
            return deleted + memoryOnly;
        }
        finally
        {
            _flushGate.Release();
        }
    }

    public async Task<IReadOnlyList<DeviceActivity>> ListAsync(CancellationToken cancellationToken = default)
    {
        var stored = await ListStoredAsync(cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<string, DeviceActivity>(stored.Count + _devices.Count, StringComparer.Ordinal);
        foreach (var row in stored)
        {
            result[row.Key] = row.ToActivity();
        }

        foreach (var device in _devices.Values)
        {
            lock (device)
            {
                // This instance's copy is newer unless another instance wrote a later event since (the key moved away).
                if (!result.TryGetValue(device.Key, out var listed) || (listed.LastEventTime?.UtcTicks ?? long.MinValue) <= device.LastTicks)
                {
                    result[device.Key] = device.ToActivity();
                }
            }
        }

        return [.. result.Values];
    }

    public async Task<DeviceHistory?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        MetricHistoryRow? merged = null;
        if (_devices.TryGetValue(key, out var device))
        {
            lock (device)
            {
                merged = device.Clone();
            }
        }

        if (key.Length > 0 && TableKeys.KeyProblem(key) is null)
        {
            var response = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(key), TableKeys.Escape(key), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (response.HasValue && response.Value is { } entity)
            {
                var stored = MetricHistoryRow.FromEntity(entity, _widthTicks, _buckets);
                if (merged is null)
                {
                    merged = stored;
                }
                else
                {
                    merged.Merge(stored, _maxMetrics);
                }
            }
        }

        return merged?.ToHistory(_widthTicks);
    }

    /// <summary>
    /// Writes dirty devices (at most <see cref="TableMetricHistoryOptions.MaxDevicesPerFlush"/>, oldest first). One
    /// flush runs at a time; a failure leaves the devices dirty for the next one and is thrown.
    /// </summary>
    public async Task<MetricHistoryFlush> FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var batch = new List<MetricHistoryRow>();
            while (batch.Count < Options.MaxDevicesPerFlush && _dirty.TryDequeue(out var device))
            {
                batch.Add(device);
            }

            var totals = new FlushCounts();
            try
            {
                for (var round = 0; round < ConflictRounds && batch.Count > 0; round++)
                {
                    await ReadUnknownAsync(batch, totals, cancellationToken).ConfigureAwait(false);
                    batch = await WriteAsync(batch, totals, cancellationToken).ConfigureAwait(false);
                }
            }
            catch
            {
                Requeue(batch);
                throw;
            }

            // Rows still conflicting after the rounds wait for the next flush.
            Requeue(batch);
            return new MetricHistoryFlush(totals.Devices, totals.Transactions, totals.Reads, totals.Conflicts, _dirty.Count);
        }
        finally
        {
            _flushGate.Release();
        }
    }

    /// <summary>Stops the timer and flushes what is dirty (one bounded flush; a failure is dropped, as at any crash).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await FlushAsync().ConfigureAwait(false);
        }
        catch (RequestFailedException)
        {
            // Storage unreachable at shutdown: what was not flushed is lost, like the memory history's.
        }

        _flushGate.Dispose();
        _listGate.Dispose();
    }

    private async Task FlushInBackgroundAsync()
    {
        try
        {
            await FlushAsync().ConfigureAwait(false);
            LastFlushError = null;
        }
        catch (Exception ex) when (ex is RequestFailedException or ObjectDisposedException or OperationCanceledException or InvalidOperationException
            or InvalidDataException or ArgumentException)
        {
            LastFlushError = ex;
        }
    }

    /// <summary>The key's row with its lock held (the caller exits it); one a purge dropped is replaced by a new one.</summary>
    private MetricHistoryRow EnterDevice(string key)
    {
        while (true)
        {
            var device = _devices.GetOrAdd(key, static k => new MetricHistoryRow(k));
            Monitor.Enter(device);
            if (!device.Removed)
            {
                return device;
            }

            Monitor.Exit(device);
        }
    }

    /// <summary>
    /// The rows last seen before <paramref name="cutoff"/>, with their ETags, leaving out those this instance holds
    /// with unflushed changes or with a later time of its own.
    /// </summary>
    private async Task<List<PurgeCandidate>> PurgeCandidatesAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var cutoffTicks = cutoff.UtcTicks;

        // The service narrows the rows; the client decides by the first time a row has (a never-sent key has no LastTicks).
        var filter = TableClient.CreateQueryFilter(
            $"LastTicks lt {cutoffTicks} or ListedTicks lt {cutoffTicks} or Timestamp lt {cutoff}");
        var candidates = new List<PurgeCandidate>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: PurgeColumns, cancellationToken).ConfigureAwait(false))
        {
            var seen = entity.GetInt64(MetricHistoryRow.LastTicksProperty) ?? entity.GetInt64(MetricHistoryRow.ListedTicksProperty) ?? entity.Timestamp?.UtcTicks;
            if (seen is not { } ticks || ticks >= cutoffTicks)
            {
                continue;
            }

            if (_devices.TryGetValue(TableKeys.Unescape(entity.RowKey), out var device))
            {
                lock (device)
                {
                    if (device.Dirty || device.LastSeenTicks >= cutoffTicks)
                    {
                        continue;
                    }
                }
            }

            candidates.Add(new PurgeCandidate(entity.PartitionKey, entity.RowKey, entity.ETag));
        }

        return candidates;
    }

    /// <summary>
    /// Deletes one transaction's rows, each if unchanged since read; a row changed (412) or gone (404) is left out and
    /// the others are sent again. Returns how many were deleted.
    /// </summary>
    private async Task<int> DeleteAsync(List<PurgeCandidate> transaction, CancellationToken cancellationToken)
    {
        var pending = transaction;
        while (pending.Count > 0)
        {
            var actions = pending.Select(c => new TableTransactionAction(TableTransactionActionType.Delete,
                new TableEntity(c.PartitionKey, c.RowKey), c.ETag)).ToList();
            try
            {
                await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                return pending.Count;
            }
            catch (TableTransactionFailedException e) when (e.Status is 412 or 404 && e.FailedTransactionActionIndex is { } failed && failed < pending.Count)
            {
                // Nothing of the transaction was deleted: that row was written again or purged by another instance.
                pending = [.. pending.Where((_, j) => j != failed)];
            }
        }

        return 0;
    }

    private void MarkDirty(MetricHistoryRow device)
    {
        if (!device.Dirty)
        {
            device.Dirty = true;
            _dirty.Enqueue(device);
        }
    }

    private void Requeue(List<MetricHistoryRow> devices)
    {
        foreach (var device in devices)
        {
            lock (device)
            {
                MarkDirty(device);
            }
        }
    }

    private string Partition(string key) => TableKeys.Bucket(key, Options.Partitions);

    /// <summary>Reads the stored rows of devices this instance has not read yet and merges them into memory.</summary>
    private async Task ReadUnknownAsync(List<MetricHistoryRow> batch, FlushCounts totals, CancellationToken cancellationToken)
    {
        var unknown = new List<MetricHistoryRow>();
        foreach (var device in batch)
        {
            lock (device)
            {
                if (device.Stored == MetricHistoryRow.RowState.Unknown && TableKeys.KeyProblem(device.Key) is null)
                {
                    unknown.Add(device);
                }
            }
        }

        if (unknown.Count == 0)
        {
            return;
        }

        var groups = new List<(string Partition, MetricHistoryRow[] Devices, bool Scan)>();
        foreach (var bucket in unknown.GroupBy(d => Partition(d.Key), StringComparer.Ordinal))
        {
            var devices = bucket.ToArray();
            if (devices.Length > ScanThreshold)
            {
                groups.Add((bucket.Key, devices, true));
            }
            else
            {
                groups.AddRange(devices.Chunk(KeysPerQuery).Select(chunk => (bucket.Key, chunk, false)));
            }
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(groups, options, async (group, token) =>
        {
            var wanted = group.Devices.ToDictionary(d => TableKeys.Escape(d.Key), StringComparer.Ordinal);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {group.Partition}");
            if (!group.Scan)
            {
                filter += " and (" + string.Join(" or ", wanted.Keys.Select(k => TableClient.CreateQueryFilter($"RowKey eq {k}"))) + ")";
            }

            var found = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: token).AsPages().ConfigureAwait(false))
            {
                totals.AddReads(1);
                foreach (var entity in page.Values)
                {
                    if (!wanted.TryGetValue(entity.RowKey, out var device))
                    {
                        continue;
                    }

                    found.Add(entity.RowKey);
                    var stored = MetricHistoryRow.FromEntity(entity, _widthTicks, _buckets);
                    lock (device)
                    {
                        device.Merge(stored, _maxMetrics);
                        device.Stored = MetricHistoryRow.RowState.Present;
                        device.ETag = entity.ETag.ToString();
                    }
                }
            }

            foreach (var (rowKey, device) in wanted)
            {
                if (!found.Contains(rowKey))
                {
                    lock (device)
                    {
                        device.Stored = MetricHistoryRow.RowState.Absent;
                        device.ETag = null;
                    }
                }
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Writes the batch's rows; returns the devices whose write met another instance's change.</summary>
    private async Task<List<MetricHistoryRow>> WriteAsync(List<MetricHistoryRow> batch, FlushCounts totals, CancellationToken cancellationToken)
    {
        var writes = new List<Write>(batch.Count);
        foreach (var device in batch)
        {
            if (TableKeys.KeyProblem(device.Key) is not null)
            {
                // A key too long for a RowKey is kept in memory only (a table state store dead-letters it before).
                lock (device)
                {
                    device.Dirty = false;
                }

                continue;
            }

            lock (device)
            {
                // Taken now: an event recorded after this marks the device dirty again, for the next flush.
                device.Dirty = false;
                var entity = device.ToEntity(Partition(device.Key), _widthTicks);
                writes.Add(new Write(device, entity, device.Stored == MetricHistoryRow.RowState.Present ? device.ETag : null, device.EncodedBytes));
            }
        }

        var transactions = writes
            .GroupBy(w => w.Entity.PartitionKey, StringComparer.Ordinal)
            .SelectMany(bucket => EntityGroupTransactions.Chunk(bucket, w => EntityGroupTransactions.BinaryEntityBytes(w.Bytes)))
            .ToList();
        var conflicts = new ConcurrentBag<MetricHistoryRow>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(transactions, options, async (transaction, token) =>
            await SubmitAsync(transaction, conflicts, totals, token).ConfigureAwait(false)).ConfigureAwait(false);
        return [.. conflicts];
    }

    private async Task SubmitAsync(List<Write> transaction, ConcurrentBag<MetricHistoryRow> conflicts, FlushCounts totals, CancellationToken cancellationToken)
    {
        var pending = transaction;
        while (pending.Count > 0)
        {
            var actions = pending.Select(w => w.ETag is null
                ? new TableTransactionAction(TableTransactionActionType.Add, w.Entity)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, w.Entity, new ETag(w.ETag))).ToList();
            totals.AddTransaction();
            try
            {
                var response = await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < pending.Count; i++)
                {
                    var device = pending[i].Device;
                    lock (device)
                    {
                        device.Stored = MetricHistoryRow.RowState.Present;
                        device.ETag = response.Value[i].Headers.ETag?.ToString();
                        if (device.ETag is null)
                        {
                            device.Stored = MetricHistoryRow.RowState.Unknown;
                        }
                    }
                }

                totals.AddDevices(pending.Count);
                return;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404 && e.FailedTransactionActionIndex is { } failed && failed < pending.Count)
            {
                // Nothing of the transaction was written: that row is re-read and merged, the others resubmitted.
                var device = pending[failed].Device;
                lock (device)
                {
                    device.Stored = MetricHistoryRow.RowState.Unknown;
                    device.ETag = null;
                }

                totals.AddConflict();
                conflicts.Add(device);
                pending = [.. pending.Where((_, j) => j != failed)];
            }
        }
    }

    private async Task<IReadOnlyList<MetricHistoryRow>> ListStoredAsync(CancellationToken cancellationToken)
    {
        var cache = Options.ListCacheDuration;
        if (cache > TimeSpan.Zero && _listed is { } listed && _time.GetElapsedTime(listed.At) < cache)
        {
            return listed.Rows;
        }

        await _listGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A caller that waited for another's listing uses it.
            if (cache > TimeSpan.Zero && _listed is { } fresh && _time.GetElapsedTime(fresh.At) < cache)
            {
                return fresh.Rows;
            }

            var rows = new List<MetricHistoryRow>();
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter: (string?)null, maxPerPage: 1000, select: FleetColumns, cancellationToken).ConfigureAwait(false))
            {
                rows.Add(MetricHistoryRow.FromEntity(entity, _widthTicks, _buckets));
            }

            _listed = (_time.GetTimestamp(), rows);
            return rows;
        }
        finally
        {
            _listGate.Release();
        }
    }

    private sealed record Write(MetricHistoryRow Device, TableEntity Entity, string? ETag, int Bytes);

    private sealed record PurgeCandidate(string PartitionKey, string RowKey, ETag ETag);

    private sealed class FlushCounts
    {
        private int _devices;
        private int _transactions;
        private int _reads;
        private int _conflicts;

        public int Devices => _devices;

        public int Transactions => _transactions;

        public int Reads => _reads;

        public int Conflicts => _conflicts;

        public void AddDevices(int n) => Interlocked.Add(ref _devices, n);

        public void AddTransaction() => Interlocked.Increment(ref _transactions);

        public void AddReads(int n) => Interlocked.Add(ref _reads, n);

        public void AddConflict() => Interlocked.Increment(ref _conflicts);
    }
}
