using Azure;
using Azure.Data.Tables;
using Pipeline.Core.State;

namespace Pipeline.Azure.EventHubs;

/// <summary>
/// Hub positions in a Table beside the state table: partition key = the stream (hub and consumer group), row key = the
/// hub partition, <c>SequenceNumber</c> = the last processed event's sequence number.
/// </summary>
public sealed class TablePositionStore(TableServiceClient service, string tableName) : IPositionStore
{
    private const string SequenceNumberProperty = "SequenceNumber";

    private readonly TableClient _table = service.GetTableClient(tableName);
    private bool _created;

    public async Task<IReadOnlyDictionary<string, long>> LoadAsync(string stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(stream)}");
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (entity.GetInt64(SequenceNumberProperty) is { } sequence)
            {
                result[TableKeys.Unescape(entity.RowKey)] = sequence;
            }
        }

        return result;
    }

    public async Task SaveAsync(string stream, string partition, long sequenceNumber, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(partition);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(TableKeys.Escape(stream), TableKeys.Escape(partition)) { [SequenceNumberProperty] = sequenceNumber };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _created))
        {
            return;
        }

        try
        {
            await _table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Created by a concurrent caller.
        }

        Volatile.Write(ref _created, true);
    }
}
