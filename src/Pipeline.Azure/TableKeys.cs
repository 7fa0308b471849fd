using System.Buffers;
using System.Globalization;
using System.Text;
using Azure.Data.Tables;

namespace Pipeline.Azure;

/// <summary>Key escaping, time buckets and binary chunking shared by the table stores.</summary>
internal static class TableKeys
{
    /// <summary>The largest binary property a table entity may hold.</summary>
    public const int ChunkBytes = 64 * 1024;

    /// <summary>15 chunks leave room for the other properties inside the 1 MiB entity limit.</summary>
    public const int MaxChunks = 15;

    /// <summary>
    /// The longest PartitionKey or RowKey: 1 KiB, i.e. 512 UTF-16 characters ("Understanding the Table service data model",
    /// Microsoft Learn: "The partition key may be a string value up to 1 KiB in size"; same for the row key).
    /// </summary>
    public const int MaxKeyChars = 512;

    private const char EscapeChar = '%';

    private static readonly SearchValues<char> MustEscape = SearchValues.Create("%/\\#?");

    /// <summary>
    /// Makes a string valid as a PartitionKey/RowKey (no <c>/ \ # ?</c> or control characters) reversibly:
    /// those characters and the escape character itself become <c>%XX</c>; everything else is kept.
    /// </summary>
    public static string Escape(string value)
    {
        if (!value.AsSpan().ContainsAny(MustEscape) && !ContainsControl(value))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (NeedsEscape(c))
            {
                // All escaped characters are below U+0100, so two hex digits suffice.
                builder.Append(EscapeChar).Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>The length of <see cref="Escape"/>'s result without building it.</summary>
    public static int EscapedLength(string value)
    {
        var length = value.Length;
        foreach (var c in value)
        {
            if (NeedsEscape(c))
            {
                length += 2;
            }
        }

        return length;
    }

    /// <summary>Why <paramref name="key"/> cannot be a PartitionKey or RowKey once escaped, or null when it can.</summary>
    public static string? KeyProblem(string key)
    {
        var length = EscapedLength(key);
        return length <= MaxKeyChars
            ? null
            : string.Create(CultureInfo.InvariantCulture,
                $"escapes to a {length}-character Table storage key ('%', '/', '\\', '#', '?' and control characters take 3 each); Table keys hold at most {MaxKeyChars} (1 KiB)");
    }

    public static string Unescape(string value)
    {
        if (!value.Contains(EscapeChar, StringComparison.Ordinal))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == EscapeChar && i + 2 < value.Length
                && int.TryParse(value.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            {
                builder.Append((char)code);
                i += 2;
            }
            else
            {
                builder.Append(value[i]);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// The PartitionKey of <paramref name="key"/>'s bucket among <paramref name="buckets"/>: FNV-1a over the key's UTF-16
    /// code units, the same on every machine and run (string.GetHashCode is randomized per process).
    /// </summary>
    public static string Bucket(string key, int buckets)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return BucketName((int)(hash % (uint)buckets));
    }

    /// <summary><c>b</c> and three hex digits, so buckets sort in number order.</summary>
    public static string BucketName(int bucket) => "b" + bucket.ToString("x3", CultureInfo.InvariantCulture);

    /// <summary>UTC minute, sortable as text: <c>yyyyMMddHHmm</c>.</summary>
    public static string MinuteBucket(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    /// <summary>UTC day, sortable as text: <c>yyyyMMdd</c>.</summary>
    public static string DayBucket(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>UTC ticks as 19 digits, so text order is time order.</summary>
    public static string Ticks(DateTimeOffset time) =>
        time.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>Ticks counted down from the maximum, so text order is newest first.</summary>
    public static string InvertedTicks(DateTimeOffset time) =>
        (DateTime.MaxValue.Ticks - time.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The day counted down, so text order is newest day first.</summary>
    public static string InvertedDay(DateTimeOffset time) =>
        (99_999_999 - int.Parse(DayBucket(time), CultureInfo.InvariantCulture)).ToString("D8", CultureInfo.InvariantCulture);

    public static DateTimeOffset FromTicks(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    /// <summary>Stores bytes as binary properties <c>{prefix}0..n</c> plus <c>{prefix}Chunks</c> and <c>{prefix}Length</c>.</summary>
    public static void WriteChunks(TableEntity entity, string prefix, ReadOnlySpan<byte> bytes)
    {
        var chunks = (bytes.Length + ChunkBytes - 1) / ChunkBytes;
        if (chunks > MaxChunks)
        {
            throw new ArgumentException($"{bytes.Length} bytes exceed the {MaxChunks * ChunkBytes} bytes one table entity can hold.", nameof(bytes));
        }

        entity[prefix + "Chunks"] = chunks;
        entity[prefix + "Length"] = bytes.Length;
        for (var i = 0; i < chunks; i++)
        {
            var start = i * ChunkBytes;
            entity[prefix + i.ToString(CultureInfo.InvariantCulture)] = bytes.Slice(start, Math.Min(ChunkBytes, bytes.Length - start)).ToArray();
        }
    }

    public static byte[] ReadChunks(TableEntity entity, string prefix)
    {
        var chunks = entity.GetInt32(prefix + "Chunks") ?? throw new InvalidDataException($"Entity {entity.PartitionKey}/{entity.RowKey} has no {prefix}Chunks.");
        var length = entity.GetInt32(prefix + "Length") ?? throw new InvalidDataException($"Entity {entity.PartitionKey}/{entity.RowKey} has no {prefix}Length.");
        var result = new byte[length];
        var offset = 0;
        for (var i = 0; i < chunks; i++)
        {
            var chunk = entity.GetBinary(prefix + i.ToString(CultureInfo.InvariantCulture))
                ?? throw new InvalidDataException($"Entity {entity.PartitionKey}/{entity.RowKey} lacks chunk {prefix}{i}.");
            chunk.CopyTo(result.AsSpan(offset));
            offset += chunk.Length;
        }

        if (offset != length)
        {
            throw new InvalidDataException($"Entity {entity.PartitionKey}/{entity.RowKey} has {offset} bytes in chunks but {prefix}Length {length}.");
        }

        return result;
    }

    private static bool NeedsEscape(char c) => c is EscapeChar or '/' or '\\' or '#' or '?' || char.IsControl(c);

    private static bool ContainsControl(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }
}
