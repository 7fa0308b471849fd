using Azure.Data.Tables;
using Pipeline.Conformance;
using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Azure.Tests.State;

/// <summary>The row's ring encoding stays the one rows have been stored in, so rows already in a table still read.</summary>
public sealed class MetricHistoryRowTests
{
    private static readonly DateTimeOffset T0 = TestData.T0; // 2025-03-01T12:00Z: ticks 638764272000000000
    private static readonly long Width = TimeSpan.FromMinutes(1).Ticks;

    // The layout documented on MetricHistoryRow, written out by hand for one metric "temperature" with samples 10 and
    // 12 in the minute of T0 and 20 a minute later:
    private const string StoredRings =
        "01" + "0100" +                              // version 1; one metric
        "0B" + "74656D7065726174757265" +            // "temperature" (7-bit length, UTF-8)
        "919D743F00000000" +                         // newest bucket: T0's minute + 1 = 1064607121
        "00A688BBB858DD08" +                         // ticks of the newest event: T0 + 60 s
        "0000000000003440" +                         // its value: 20.0
        "0200" +                                     // two non-empty buckets, oldest first
        "0100" + "00003041" + "00002041" + "00004041" + "02000000" + // 1 back: mean 11, min 10, max 12, count 2
        "0000" + "0000A041" + "0000A041" + "0000A041" + "01000000";  // the newest: 20, 20, 20, count 1

    private static Telemetry At(double seconds, double temperature) =>
        new("d1", T0.AddSeconds(seconds), new Dictionary<string, double> { ["temperature"] = temperature });

    [Fact]
    public void A_row_writes_its_rings_in_the_stored_encoding()
    {
        var row = new MetricHistoryRow("d1");
        foreach (var e in new[] { At(0, 10), At(30, 12), At(60, 20) })
        {
            row.Add(e, Width, buckets: 120, maxMetrics: 16);
        }

        var entity = row.ToEntity("b000", Width);

        Assert.Equal(StoredRings, Convert.ToHexString(TableKeys.ReadChunks(entity, MetricHistoryRow.RingPrefix)));
    }

    [Fact]
    public void A_stored_row_reads_back_its_points_and_last_value()
    {
        var entity = new TableEntity("b000", "d1")
        {
            [MetricHistoryRow.LastTicksProperty] = T0.AddSeconds(60).UtcTicks,
            [MetricHistoryRow.WidthProperty] = Width,
        };
        TableKeys.WriteChunks(entity, MetricHistoryRow.RingPrefix, Convert.FromHexString(StoredRings));

        var row = MetricHistoryRow.FromEntity(entity, Width, buckets: 120);
        var history = row.ToHistory(Width);

        Assert.Equal([new HistoryPoint(T0, 11, 10, 12, 2), new HistoryPoint(T0.AddMinutes(1), 20, 20, 20, 1)], history!.Metrics["temperature"]);
        Assert.Equal(20, row.ToActivity().LastValues["temperature"]);
        Assert.Equal(T0.AddMinutes(1), history.LastEventTime);
    }

    [Fact]
    public void A_stored_row_read_with_a_shorter_ring_keeps_only_the_buckets_it_has_room_for()
    {
        var entity = new TableEntity("b000", "d1") { [MetricHistoryRow.WidthProperty] = Width };
        TableKeys.WriteChunks(entity, MetricHistoryRow.RingPrefix, Convert.FromHexString(StoredRings));

        var row = MetricHistoryRow.FromEntity(entity, Width, buckets: 1);

        Assert.Equal([new HistoryPoint(T0.AddMinutes(1), 20, 20, 20, 1)], row.Metrics["temperature"].Points(Width));
    }
}
