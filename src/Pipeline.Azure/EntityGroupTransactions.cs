namespace Pipeline.Azure;

/// <summary>Splits entity writes into entity group transactions the Table service accepts.</summary>
internal static class EntityGroupTransactions
{
    /// <summary>The service's limit of operations per entity group transaction.</summary>
    public const int MaxOperations = 100;

    // The payload limit of a transaction is 4 MiB; binary travels as base64 (4/3), and headers need room.
    private const long MaxPayloadBytes = 3 * 1024 * 1024;
    private const long PerEntityOverheadBytes = 2 * 1024;

    /// <summary>The estimated request size of an entity carrying <paramref name="binaryBytes"/> of binary properties.</summary>
    public static long BinaryEntityBytes(long binaryBytes) => (binaryBytes * 4 / 3) + PerEntityOverheadBytes;

    /// <summary>
    /// Cuts <paramref name="items"/>, in order, into groups of at most <see cref="MaxOperations"/> whose estimated
    /// sizes add up to at most the payload limit; an item too big for the limit travels alone.
    /// </summary>
    public static IEnumerable<List<T>> Chunk<T>(IEnumerable<T> items, Func<T, long> estimatedBytes)
    {
        var current = new List<T>();
        long payload = 0;
        foreach (var item in items)
        {
            var size = estimatedBytes(item);
            if (current.Count > 0 && (current.Count == MaxOperations || payload + size > MaxPayloadBytes))
            {
                yield return current;
                current = [];
                payload = 0;
            }

            current.Add(item);
            payload += size;
        }

        if (current.Count > 0)
        {
            yield return current;
        }
    }
}
