using Pipeline.Core.State;

namespace Pipeline.Core.Tests.State;

public sealed class MetricRingTests
{
    // Buckets of one tick: bucket n starts at tick n, so the expected points read as bucket numbers.
    private const long Width = 1;

    private static HistoryPoint Point(long bucket, double mean, double min, double max, int count) =>
        new(new DateTimeOffset(bucket, TimeSpan.Zero), mean, min, max, count);

    private static MetricRing Ring(int size, params (long Bucket, double Value)[] samples)
    {
        var ring = new MetricRing(size);
        foreach (var (bucket, value) in samples)
        {
            ring.Add(bucket, value, bucket);
        }

        return ring;
    }

    [Fact]
    public void An_empty_ring_has_no_points_no_newest_bucket_and_no_last_time()
    {
        var ring = new MetricRing(3);

        Assert.Empty(ring.Points(Width));
        Assert.Empty(ring.Buckets());
        Assert.Equal((long.MinValue, long.MinValue, 0), (ring.Newest, ring.LastTicks, ring.NonEmpty));
    }

    [Fact]
    public void Samples_of_a_bucket_add_up_and_the_newest_event_is_the_last_value()
    {
        var ring = new MetricRing(3);
        ring.Add(10, 4, ticks: 100);   // bucket 10
        ring.Add(10, 8, ticks: 105);   // bucket 10: the newest event so far
        ring.Add(11, 1, ticks: 110);   // bucket 11: the newest
        ring.Add(10, 6, ticks: 103);   // late, bucket 10: counted, but not the last value

        Assert.Equal([Point(10, 6, 4, 8, 3), Point(11, 1, 1, 1, 1)], ring.Points(Width));
        Assert.Equal((1d, 110L, 11L, 2), (ring.Last, ring.LastTicks, ring.Newest, ring.NonEmpty));
    }

    [Fact]
    public void A_newer_bucket_clears_the_ones_it_skips_and_an_older_one_than_the_ring_is_ignored()
    {
        var ring = Ring(3, (0, 1), (1, 2), (2, 3));
        ring.Add(4, 5, ticks: 4);      // the ring is now 2..4: bucket 3 is empty, 0 and 1 are gone
        ring.Add(1, 100, ticks: 1);    // older than the ring: ignored

        Assert.Equal([Point(2, 3, 3, 3, 1), Point(4, 5, 5, 5, 1)], ring.Points(Width));

        ring.Add(20, 7, ticks: 20);    // a gap longer than the ring clears every bucket
        Assert.Equal([Point(20, 7, 7, 7, 1)], ring.Points(Width));
    }

    [Fact]
    public void A_merge_keeps_per_bucket_the_version_with_more_samples_and_the_newer_last_value()
    {
        var mine = Ring(4, (10, 1), (10, 3), (11, 5));            // 10: two samples, 11: one
        var stored = Ring(4, (9, 7), (10, 2), (11, 6), (11, 8), (12, 9)); // 9: one, 10: one, 11: two, 12: one

        mine.Merge(stored);

        Assert.Equal(
            [
                Point(9, 7, 7, 7, 1),   // only stored had it
                Point(10, 2, 1, 3, 2),  // mine had more samples
                Point(11, 7, 6, 8, 2),  // stored had more samples
                Point(12, 9, 9, 9, 1),  // only stored had it, and it moved the ring on
            ],
            mine.Points(Width));
        Assert.Equal((9d, 12L), (mine.Last, mine.LastTicks));
    }

    [Fact]
    public void Merging_the_same_ring_again_or_a_tie_changes_nothing()
    {
        var mine = Ring(3, (5, 1), (6, 2));
        var stored = Ring(3, (5, 10), (6, 20));                   // one sample in each bucket: ties
        mine.Merge(stored);
        var once = mine.Points(Width);

        mine.Merge(stored);

        Assert.Equal([Point(5, 1, 1, 1, 1), Point(6, 2, 2, 2, 1)], once); // this ring wins a tie
        Assert.Equal(once, mine.Points(Width));
    }

    [Fact]
    public void A_merge_leaves_out_stored_buckets_older_than_the_merged_ring()
    {
        var mine = Ring(3, (10, 1));
        var stored = Ring(3, (6, 5), (7, 6));                     // all before 8..10

        mine.Merge(stored);

        Assert.Equal([Point(10, 1, 1, 1, 1)], mine.Points(Width));
        Assert.Equal((1d, 10L), (mine.Last, mine.LastTicks));     // its own event is still the newest
    }

    [Fact]
    public void A_clone_is_independent_of_its_source()
    {
        var ring = Ring(3, (1, 1));
        var copy = ring.Clone();

        ring.Add(2, 2, ticks: 2);

        Assert.Equal([Point(1, 1, 1, 1, 1)], copy.Points(Width));
        Assert.Equal((1d, 1L), (copy.Last, copy.LastTicks));
    }

    [Fact]
    public void A_restored_ring_keeps_the_buckets_it_has_room_for_and_skips_empty_ones()
    {
        MetricBucket[] written =
        [
            new(3, 9, 9, 9, 1),          // older than a three-bucket ring ending at 6: left out
            new(4, 2.5, 2, 3, 2),
            new(5, 1, 1, 1, 0),          // no samples: left out
            new(6, 4, 4, 4, 1),
        ];

        var ring = MetricRing.Restore(3, newest: 6, lastTicks: 66, last: 4.5, written);

        Assert.Equal([Point(4, 2.5, 2, 3, 2), Point(6, 4, 4, 4, 1)], ring.Points(Width));
        Assert.Equal((4.5, 66L, 6L), (ring.Last, ring.LastTicks, ring.Newest));
        ring.Add(6, 1, ticks: 60);       // the restored sums carry on: (4 + 1) / 2
        Assert.Equal(Point(6, 2.5, 1, 4, 2), ring.Points(Width)[^1]);
    }

    [Fact]
    public void A_last_value_alone_has_no_buckets()
    {
        var ring = MetricRing.LastOnly(3, 42.5);

        Assert.Empty(ring.Points(Width));
        Assert.Equal((42.5, long.MinValue), (ring.Last, ring.LastTicks));
    }

    [Fact]
    public void A_ring_needs_at_least_one_bucket()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MetricRing(0));
    }
}
