using System.Text;

namespace Pipeline.Core.Processing;

/// <summary>
/// Maps a key to one of N virtual partitions with 32-bit FNV-1a over the key's UTF-8 bytes: the same key lands on the
/// same partition in every process and on every machine (string.GetHashCode is randomized per process).
/// </summary>
public static class Partitioner
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    public static uint Fnv1a(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> small = stackalloc byte[256];
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        var bytes = max <= small.Length ? small : new byte[max];
        var length = Encoding.UTF8.GetBytes(key, bytes);
        var hash = OffsetBasis;
        foreach (var b in bytes[..length])
        {
            hash ^= b;
            hash = unchecked(hash * Prime);
        }

        return hash;
    }

    public static int PartitionOf(string key, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        return (int)(Fnv1a(key) % (uint)partitions);
    }
}
