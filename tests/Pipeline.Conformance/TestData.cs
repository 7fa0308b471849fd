namespace Pipeline.Conformance;

/// <summary>Deterministic inputs shared by the suites.</summary>
public static class TestData
{
    /// <summary>A fixed instant; suites never read the clock.</summary>
    public static DateTimeOffset T0 { get; } = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Bytes that cycle through every value 0..250 with a varying step, so chunk boundaries and shifts show.</summary>
    public static byte[] Pattern(int length, int seed = 0)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(((i * 31) + (i / 251) + seed) % 251);
        }

        return bytes;
    }

    /// <summary>A unique, table-name-safe suffix (letters and digits) for stores that need fresh names.</summary>
    public static string UniqueName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..16];
}
