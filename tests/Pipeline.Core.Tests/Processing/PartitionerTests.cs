using Pipeline.Core.Processing;

namespace Pipeline.Core.Tests.Processing;

public sealed class PartitionerTests
{
    [Theory]
    // Published FNV-1a 32-bit test vectors.
    [InlineData("", 0x811c9dc5u)]
    [InlineData("a", 0xe40c292cu)]
    [InlineData("foobar", 0xbf9cf968u)]
    public void Fnv1a_matches_the_reference_values(string key, uint expected)
    {
        Assert.Equal(expected, Partitioner.Fnv1a(key));
    }

    [Fact]
    public void Keys_are_hashed_as_utf8_and_spread_over_partitions()
    {
        // "é" is C3 A9 in UTF-8: ((0x811c9dc5 ^ 0xC3) * 16777619 ^ 0xA9) * 16777619 mod 2^32.
        uint expected = 0x811c9dc5;
        foreach (var b in new byte[] { 0xC3, 0xA9 })
        {
            expected = unchecked((expected ^ b) * 16777619u);
        }

        Assert.Equal(expected, Partitioner.Fnv1a("é"));
        Assert.Equal((int)(0xbf9cf968u % 7), Partitioner.PartitionOf("foobar", 7));
        Assert.Equal(0, Partitioner.PartitionOf("anything", 1));
    }
}
