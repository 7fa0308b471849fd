using Azure;
using Azure.Data.Tables;
using Pipeline.Core.Alerts;

namespace Pipeline.Azure;

/// <summary>
/// <see cref="IAlertHistory"/> on Azure Table storage, in two tables so neither query scans everything.
/// <para>
/// Transitions (<c>alerts</c>): PartitionKey = UTC day counted down, RowKey = time ticks counted down + <c>_</c> +
/// escaped id. Table storage returns rows in key order, so a query is newest first, <c>Since</c> is a key range
/// (<c>PartitionKey le day(since)</c>, <c>RowKey le ticks(since)</c>) and <c>Max</c> stops the scan. An id fixes its
/// event time (ids hash episode, transition and sequence), so adding an existing row (409) is the idempotent no-op.
/// </para>
/// <para>
/// Episodes (<c>alertepisodes</c>): partition <c>open</c> has one row per episode whose latest transition does not close
/// it, holding that transition; partition <c>closed</c> has one small row per closed episode with its closing sequence.
/// <c>FiringOnly</c> reads only the <c>open</c> partition. The closed rows are tombstones that are only ever read by point
/// lookups: they make a late-recorded older transition (a retried batch) unable to reopen a resolved episode. A closer
/// writes its tombstone and then removes an older open row; an opener writes its open row and then checks for a newer
/// tombstone, so whichever runs second sees the other and the open row never outlives a newer close.
/// </para>
/// <para>
/// Batched: one <see cref="RecordAsync"/> call (the processor makes one per batch or Sweep) adds its transitions in
/// one entity group transaction per day, reads the episode rows it touches in one query and writes them in one
/// transaction per partition, so a burst of alerts costs a few requests, not four or five per alert. When another
/// writer changed an episode row in between, the call falls back to the one-by-one protocol above.
/// </para>
/// <para>
/// Retention (<see cref="PurgeAsync"/>): transitions are a key-range delete of the oldest days; tombstones carry the
/// closing time (<c>ClosedTicks</c>) and are deleted once it is older than the closed-episode retention. Open rows are
/// never purged: the episode is still firing.
/// </para>
/// </summary>
public sealed class TableAlertHistory : IAlertHistory
{
    private const string OpenPartition = "open";
    private const string ClosedPartition = "closed";
    private const string EventPrefix = "E";
    private const int Parallelism = 8;

    /// <summary>The service allows 15 comparisons per filter; two go to the partitions.</summary>
    private const int KeysPerQuery = 13;

    private readonly TableClient _transitions;
    private readonly TableClient _episodes;

    public TableAlertHistory(TableServiceClient service, string transitionsTable = "alerts", string episodesTable = "alertepisodes")
    {
        ArgumentNullException.ThrowIfNull(service);
        _transitions = service.GetTableClient(transitionsTable);
        _episodes = service.GetTableClient(episodesTable);
    }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        await _transitions.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await _episodes.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task RecordAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var unique = new List<AlertEvent>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var alert in alerts)
        {
            ArgumentNullException.ThrowIfNull(alert);
            if (seen.Add(alert.Id))
            {
                unique.Add(alert);
            }
        }

        if (unique.Count == 0)
        {
            return;
        }

        await AddTransitionsAsync(unique, cancellationToken).ConfigureAwait(false);
        if (!await TryApplyEpisodesTogetherAsync(unique, cancellationToken).ConfigureAwait(false))
        {
            await ApplyEpisodesOneByOneAsync(unique, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<AlertEvent>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Max);
        if (query.Max == 0)
        {
            return [];
        }

        return query.FiringOnly
            ? await QueryFiringAsync(query, cancellationToken).ConfigureAwait(false)
            : await QueryTransitionsAsync(query, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One range query inside the day partition of <paramref name="startsAt"/>: the rows at exactly that time (their
    /// row keys begin with its inverted ticks and <c>_</c>; <c>`</c> is the character after <c>_</c>), narrowed to the
    /// episode's <c>Fired</c>.
    /// </summary>
    public async Task<AlertEvent?> FindFiredAsync(string episodeId, DateTimeOffset startsAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(episodeId);
        var ticks = TableKeys.InvertedTicks(startsAt);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {TableKeys.InvertedDay(startsAt)} and RowKey gt {ticks + "_"} and RowKey lt {ticks + "`"} and EpisodeId eq {episodeId} and Kind eq {nameof(AlertTransitionKind.Fired)}");
        await foreach (var entity in _transitions.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return ReadEvent(entity);
        }

        return null;
    }

    public async Task<int> PurgeAsync(DateTimeOffset transitionsOlderThan, DateTimeOffset closedEpisodesOlderThan, CancellationToken cancellationToken = default)
    {
        // Newest first in key order: a time before the cutoff has a larger inverted day and inverted ticks, and '~'
        // sorts after the '_' that follows the ticks, so rows exactly at the cutoff are kept.
        var transitions = await TableRetention.DeleteAsync(_transitions,
            TableClient.CreateQueryFilter(
                $"PartitionKey ge {TableKeys.InvertedDay(transitionsOlderThan)} and RowKey gt {TableKeys.InvertedTicks(transitionsOlderThan) + "~"}"),
            Parallelism, cancellationToken).ConfigureAwait(false);
        var tombstones = await TableRetention.DeleteAsync(_episodes,
            TableClient.CreateQueryFilter($"PartitionKey eq {ClosedPartition} and ClosedTicks lt {closedEpisodesOlderThan.UtcTicks}"),
            Parallelism, cancellationToken).ConfigureAwait(false);
        return transitions + tombstones;
    }

    private async Task<IReadOnlyList<AlertEvent>> QueryTransitionsAsync(AlertQuery query, CancellationToken cancellationToken)
    {
        // '~' sorts after the '_' that follows the ticks, so rows exactly at Since are included.
        string? filter = query.Since is { } since
            ? TableClient.CreateQueryFilter($"PartitionKey le {TableKeys.InvertedDay(since)} and RowKey le {TableKeys.InvertedTicks(since) + "~"}")
            : null;
        var result = new List<AlertEvent>();
        await foreach (var entity in _transitions.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(query.Max, 1000), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result.Add(ReadEvent(entity));
            if (result.Count >= query.Max)
            {
                break;
            }
        }

        return result;
    }

    private async Task<IReadOnlyList<AlertEvent>> QueryFiringAsync(AlertQuery query, CancellationToken cancellationToken)
    {
        var filter = query.Since is { } since
            ? TableClient.CreateQueryFilter($"PartitionKey eq {OpenPartition} and TimeTicks ge {since.UtcTicks}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {OpenPartition}");
        var open = new List<AlertEvent>();
        await foreach (var entity in _episodes.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            open.Add(ReadEvent(entity));
        }

        open.Sort(AlertEpisodes.NewestFirst);
        return open.Count > query.Max ? open.GetRange(0, query.Max) : open;
    }

    /// <summary>
    /// Adds the transitions, one entity group transaction per day partition (cut by
    /// <see cref="EntityGroupTransactions.Chunk{T}"/>). A row that already exists (409) fails its transaction; it is dropped as
    /// already recorded and the others are resubmitted, so a redelivered alert changes nothing.
    /// </summary>
    private async Task AddTransitionsAsync(List<AlertEvent> alerts, CancellationToken cancellationToken)
    {
        foreach (var day in alerts.Select(ToTransitionEntity).GroupBy(e => e.PartitionKey, StringComparer.Ordinal))
        {
            foreach (var chunk in EntityGroupTransactions.Chunk(day, EstimatedSize))
            {
                var pending = chunk;
                while (pending.Count > 0)
                {
                    try
                    {
                        await _transitions.SubmitTransactionAsync(
                            pending.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), cancellationToken).ConfigureAwait(false);
                        break;
                    }
                    catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex is { } failed && failed < pending.Count)
                    {
                        // Already recorded; its episode is still updated below (an earlier attempt may have stopped in between).
                        pending = [.. pending.Where((_, i) => i != failed)];
                    }
                }
            }
        }
    }

    /// <summary>
    /// The episode rows of all <paramref name="alerts"/> in a few requests: one query reads the open and closed rows
    /// they touch, then one entity group transaction per partition writes them, each operation conditional on the ETag
    /// read (or an insert). The order is the one-by-one protocol's: tombstones first, then open rows (written, or
    /// deleted when a tombstone is as new), then newly written open rows check for a newer tombstone. False when
    /// another writer changed a row in between: the caller then applies the one-by-one path, which is idempotent over
    /// whatever this one already wrote.
    /// </summary>
    private async Task<bool> TryApplyEpisodesTogetherAsync(List<AlertEvent> alerts, CancellationToken cancellationToken)
    {
        var episodes = alerts.GroupBy(a => TableKeys.Escape(a.Data.EpisodeId), StringComparer.Ordinal).ToList();
        var rows = await ReadEpisodeRowsAsync(episodes.Select(e => e.Key).ToList(), cancellationToken).ConfigureAwait(false);

        var tombstones = new List<TableTransactionAction>();
        var openRows = new List<TableTransactionAction>();
        var written = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var episode in episodes)
        {
            var rowKey = episode.Key;
            rows.TryGetValue((ClosedPartition, rowKey), out var tombstone);
            rows.TryGetValue((OpenPartition, rowKey), out var open);
            var closedSequence = tombstone?.GetInt64("Sequence") ?? long.MinValue;
            if (episode.Where(AlertEpisodes.Closes).MaxBy(a => a.Data.Sequence) is { } closer && closer.Data.Sequence > closedSequence)
            {
                var row = new TableEntity(ClosedPartition, rowKey) { ["Sequence"] = closer.Data.Sequence, ["ClosedTicks"] = closer.Time.UtcTicks };
                tombstones.Add(tombstone is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, row)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, tombstone.ETag));
                closedSequence = closer.Data.Sequence;
            }

            var openSequence = open?.GetInt64("Sequence") ?? long.MinValue;
            if (episode.Where(a => !AlertEpisodes.Closes(a)).MaxBy(a => a.Data.Sequence) is { } opener
                && opener.Data.Sequence > openSequence && opener.Data.Sequence > closedSequence)
            {
                var row = new TableEntity(OpenPartition, rowKey) { ["Sequence"] = opener.Data.Sequence, ["TimeTicks"] = opener.Time.UtcTicks };
                TableKeys.WriteChunks(row, EventPrefix, opener.ToJsonBytes());
                openRows.Add(open is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, row)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, open.ETag));
                written[rowKey] = opener.Data.Sequence;
            }
            else if (open is not null && openSequence <= closedSequence)
            {
                openRows.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(OpenPartition, rowKey), open.ETag));
            }
        }

        if (!await TrySubmitAsync(tombstones, cancellationToken).ConfigureAwait(false)
            || !await TrySubmitAsync(openRows, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        if (written.Count > 0)
        {
            // A closer running at the same time may have read no open row before this one wrote it: look for its tombstone.
            var after = await ReadEpisodeRowsAsync([.. written.Keys], cancellationToken, ClosedPartition).ConfigureAwait(false);
            foreach (var (rowKey, sequence) in written)
            {
                if (after.TryGetValue((ClosedPartition, rowKey), out var tombstone) && tombstone.GetInt64("Sequence") >= sequence)
                {
                    await RemoveOpenRowOlderThanTombstoneAsync(rowKey, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return true;
    }

    private async Task ApplyEpisodesOneByOneAsync(List<AlertEvent> alerts, CancellationToken cancellationToken)
    {
        // Episodes in parallel; each episode's transitions in sequence order.
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        var episodes = alerts.GroupBy(a => a.Data.EpisodeId, StringComparer.Ordinal).ToList();
        await Parallel.ForEachAsync(episodes, options, async (episode, token) =>
        {
            foreach (var alert in episode.OrderBy(a => a.Data.Sequence))
            {
                await ApplyToEpisodeAsync(alert, token).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Sequence and ETag of the episode rows of <paramref name="rowKeys"/>, by (partition, row key), read by query.</summary>
    private async Task<Dictionary<(string Partition, string RowKey), TableEntity>> ReadEpisodeRowsAsync(
        List<string> rowKeys, CancellationToken cancellationToken, string? onlyPartition = null)
    {
        var rows = new Dictionary<(string, string), TableEntity>();
        var partitions = onlyPartition is null
            ? TableClient.CreateQueryFilter($"(PartitionKey eq {OpenPartition} or PartitionKey eq {ClosedPartition})")
            : TableClient.CreateQueryFilter($"PartitionKey eq {onlyPartition}");
        foreach (var chunk in rowKeys.Chunk(KeysPerQuery))
        {
            var filter = partitions + " and (" + string.Join(" or ", chunk.Select(k => TableClient.CreateQueryFilter($"RowKey eq {k}"))) + ")";
            await foreach (var entity in _episodes.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey", "Sequence"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows[(entity.PartitionKey, entity.RowKey)] = entity;
            }
        }

        return rows;
    }

    /// <summary>Submits one partition's conditional operations; false when one of them met a change (409, 412, 404).</summary>
    private async Task<bool> TrySubmitAsync(List<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        foreach (var chunk in EntityGroupTransactions.Chunk(actions, a => EstimatedSize(a.Entity)))
        {
            try
            {
                await _episodes.SubmitTransactionAsync(chunk, cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Binary properties travel as base64 (4/3) and strings may be escaped: count both generously.</summary>
    private static long EstimatedSize(ITableEntity entity)
    {
        long size = 1_024;
        if (entity is TableEntity table)
        {
            foreach (var property in (IDictionary<string, object>)table)
            {
                size += property.Value switch
                {
                    byte[] bytes => (bytes.Length * 4 / 3) + 64,
                    string text => (text.Length * 2) + 64,
                    _ => 64,
                };
            }
        }

        return size;
    }

    private async Task ApplyToEpisodeAsync(AlertEvent alert, CancellationToken cancellationToken)
    {
        var rowKey = TableKeys.Escape(alert.Data.EpisodeId);
        var sequence = alert.Data.Sequence;
        if (AlertEpisodes.Closes(alert))
        {
            await RaiseTombstoneAsync(rowKey, sequence, alert.Time, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await RaiseOpenRowAsync(alert, rowKey, cancellationToken).ConfigureAwait(false);
        }

        await RemoveOpenRowOlderThanTombstoneAsync(rowKey, cancellationToken).ConfigureAwait(false);
    }

    private async Task RaiseTombstoneAsync(string rowKey, long sequence, DateTimeOffset closedAt, CancellationToken cancellationToken)
    {
        while (true)
        {
            var existing = await GetAsync(ClosedPartition, rowKey, cancellationToken).ConfigureAwait(false);
            if (existing?.GetInt64("Sequence") >= sequence)
            {
                return;
            }

            var tombstone = new TableEntity(ClosedPartition, rowKey) { ["Sequence"] = sequence, ["ClosedTicks"] = closedAt.UtcTicks };
            if (await TryWriteAsync(tombstone, existing, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private async Task RaiseOpenRowAsync(AlertEvent alert, string rowKey, CancellationToken cancellationToken)
    {
        while (true)
        {
            var existing = await GetAsync(OpenPartition, rowKey, cancellationToken).ConfigureAwait(false);
            if (existing?.GetInt64("Sequence") >= alert.Data.Sequence)
            {
                return;
            }

            var row = new TableEntity(OpenPartition, rowKey)
            {
                ["Sequence"] = alert.Data.Sequence,
                ["TimeTicks"] = alert.Time.UtcTicks,
            };
            TableKeys.WriteChunks(row, EventPrefix, alert.ToJsonBytes());
            if (await TryWriteAsync(row, existing, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private async Task RemoveOpenRowOlderThanTombstoneAsync(string rowKey, CancellationToken cancellationToken)
    {
        while (true)
        {
            var tombstone = await GetAsync(ClosedPartition, rowKey, cancellationToken).ConfigureAwait(false);
            var open = tombstone is null ? null : await GetAsync(OpenPartition, rowKey, cancellationToken).ConfigureAwait(false);
            if (tombstone is null || open is null || open.GetInt64("Sequence") > tombstone.GetInt64("Sequence"))
            {
                return;
            }

            try
            {
                await _episodes.DeleteEntityAsync(OpenPartition, rowKey, open.ETag, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Changed under us: look again.
            }
        }
    }

    /// <summary>Adds (when <paramref name="existing"/> is null) or replaces it if unchanged; false when someone else wrote first.</summary>
    private async Task<bool> TryWriteAsync(TableEntity entity, TableEntity? existing, CancellationToken cancellationToken)
    {
        try
        {
            if (existing is null)
            {
                await _episodes.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _episodes.UpdateEntityAsync(entity, existing.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return false;
        }
    }

    private async Task<TableEntity?> GetAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        var response = await _episodes.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }

    private static TableEntity ToTransitionEntity(AlertEvent alert)
    {
        var entity = new TableEntity(TableKeys.InvertedDay(alert.Time), TableKeys.InvertedTicks(alert.Time) + "_" + TableKeys.Escape(alert.Id))
        {
            ["EpisodeId"] = alert.Data.EpisodeId,
            ["RuleId"] = alert.Data.RuleId,
            ["Key"] = alert.Data.Key,
            ["Kind"] = alert.Kind.ToString(),
            ["Sequence"] = alert.Data.Sequence,
            ["TimeTicks"] = alert.Time.UtcTicks,
        };
        TableKeys.WriteChunks(entity, EventPrefix, alert.ToJsonBytes());
        return entity;
    }

    private static AlertEvent ReadEvent(TableEntity entity) => AlertEvent.Parse(TableKeys.ReadChunks(entity, EventPrefix));
}
