using Azure;
using Azure.Data.Tables;

namespace Pipeline.Azure;

/// <summary>Deletes the rows a filter selects, for the stores' retention.</summary>
internal static class TableRetention
{
    private static readonly string[] KeysOnly = ["PartitionKey", "RowKey"];

    /// <summary>Deletes every row matching <paramref name="filter"/>; returns how many this call deleted.</summary>
    public static async Task<int> DeleteAsync(TableClient table, string filter, int parallelism, CancellationToken cancellationToken)
    {
        // The keys are read first and deleted after, so the deletes do not disturb the query's continuation.
        var keys = new List<(string PartitionKey, string RowKey)>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: KeysOnly, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            keys.Add((row.PartitionKey, row.RowKey));
        }

        var deleted = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(keys, options, async (key, token) =>
        {
            try
            {
                var response = await table.DeleteEntityAsync(key.PartitionKey, key.RowKey, ETag.All, token).ConfigureAwait(false);
                if (response.Status != 404)
                {
                    Interlocked.Increment(ref deleted);
                }
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                // Deleted by a concurrent purge.
            }
        }).ConfigureAwait(false);

        return deleted;
    }
}
