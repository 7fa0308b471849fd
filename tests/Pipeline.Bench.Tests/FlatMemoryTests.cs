namespace Pipeline.Bench.Tests;

/// <summary>
/// The soak's memory verdict on synthetic samples: a series that fills and then holds passes, a series that keeps
/// growing fails, and a run too short to reach a steady state gives no verdict. The samples are written out (or follow
/// a formula stated beside them), never produced by the bench.
/// </summary>
public sealed class FlatMemoryTests
{
    private const long MB = 1 << 20;

    /// <summary>The soak's own rule with a warm-up of 100,000 transitions (the real rule's numbers, a rounder warm-up).</summary>
    private static readonly FlatMemoryRule Rule = new() { WarmUpTransitions = 100_000 };

    /// <summary>A sample at <paramref name="seconds"/> with <paramref name="heapMB"/> of heap and the transitions delivered so far.</summary>
    private static HeapSample At(double seconds, double heapMB, long delivered) =>
        new(seconds, (long)(heapMB * MB), 2 * (long)(heapMB * MB), delivered);

    [Fact]
    public void A_heap_that_fills_during_the_warm_up_and_then_holds_is_flat()
    {
        HeapSample[] samples =
        [
            At(0, 1, 0),             // idle, before any load
            At(5, 40, 40_000),       // the history fills ...
            At(10, 110, 80_000),
            At(15, 180, 120_000),    // ... and is full: the steady state starts here
            At(20, 150, 160_000),    // from here the heap only swings with what is in flight
            At(25, 210, 200_000),
            At(30, 130, 240_000),
            At(35, 190, 280_000),
            At(40, 160, 320_000),
            At(45, 220, 360_000),
            At(50, 140, 400_000),
            At(55, 200, 440_000),
            At(60, 170, 480_000),
            At(65, 150, 520_000),
        ];

        var verdict = FlatMemory.Judge(samples, Rule);

        Assert.True(verdict.Flat, verdict.Reason);
        Assert.Equal(3, verdict.WarmUpSamples);
        Assert.Equal(11, verdict.SteadySamples);
        Assert.StartsWith("flat:", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_old_rule_s_failure_was_the_warm_up_the_same_steady_state_with_its_fill_left_out_passes()
    {
        // The shape of the 2026-11-30 rerun: after the fill the heap swings between 119 and 239 MB. The old rule compared
        // the last third with a first third that included the fill; here the fill is left out and the swing passes.
        HeapSample[] samples =
        [
            At(0, 1, 0),
            At(5, 60, 60_000),      // warm-up
            At(10, 190, 120_000),   // steady from here
            At(15, 120, 180_000),
            At(20, 239, 240_000),
            At(25, 150, 300_000),
            At(30, 200, 360_000),
            At(35, 119, 420_000),
            At(40, 234, 480_000),
            At(45, 160, 540_000),
            At(50, 180, 600_000),
            At(55, 130, 660_000),
            At(60, 234, 720_000),
        ];

        var verdict = FlatMemory.Judge(samples, Rule);

        Assert.True(verdict.Flat, verdict.Reason);
        Assert.Equal(2, verdict.WarmUpSamples);
    }

    [Fact]
    public void A_heap_growing_by_one_kilobyte_per_alert_fails_on_its_slope()
    {
        // The leak the soak first found: 1 KB per delivered alert at 4,000 alerts/s is about 234 MB/min, far above 30.
        // Heap = 200 MB + 1 KB x (transitions delivered after the warm-up), one sample every 5 s.
        var samples = new List<HeapSample> { At(0, 1, 0), At(5, 100, 20_000) };
        for (var t = 30; t <= 120; t += 5)
        {
            var delivered = 4_000L * t;
            samples.Add(At(t, 200 + ((delivered - 120_000) / 1024.0), delivered));
        }

        var verdict = FlatMemory.Judge(samples, Rule);

        Assert.False(verdict.Flat);
        Assert.InRange(verdict.SlopeMBPerMinute, 234.0, 235.0); // 4,000 alerts/s x 60 s / 1,024 alerts per MB = 234.4
        Assert.StartsWith("growing: slope", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_slow_leak_under_the_noise_still_fails_on_its_slope()
    {
        // 4 MB every 5 s (48 MB/min) under a swing of +-40 MB: the last third's median (224) stays under 1.2 x the middle
        // third's (200) + 8, but the slope shows the leak. Heap = 150 + 4 MB per sample, plus 40, -40, 0 repeating.
        double[] swing = [40, -40, 0];
        var samples = new List<HeapSample>();
        for (var i = 0; i < 24; i++)
        {
            samples.Add(At(20 + (5 * i), 150 + (4 * i) + swing[i % 3], 120_000 + (20_000L * i)));
        }

        var verdict = FlatMemory.Judge(samples, Rule);

        Assert.False(verdict.Flat);
        Assert.InRange(verdict.SlopeMBPerMinute, 40.0, 50.0);
        Assert.True(verdict.LastMedianMB <= verdict.LastBoundMB, "the medians alone would have passed it");
    }

    [Fact]
    public void A_step_up_in_the_last_third_fails_on_its_median_whatever_the_slope_bound()
    {
        // Nine steady samples: 200 MB for six, then a last third at 260: its median is above 1.2 x 200 + 8 = 248. The
        // slope of this step is 108 MB/min, so the slope bound is raised out of the way to test the medians alone.
        HeapSample[] samples =
        [
            At(10, 200, 100_000),
            At(15, 200, 140_000),
            At(20, 200, 180_000),
            At(25, 200, 220_000),   // middle third
            At(30, 200, 260_000),
            At(35, 200, 300_000),
            At(40, 260, 340_000),   // last third
            At(45, 260, 380_000),
            At(50, 260, 420_000),
        ];

        var verdict = FlatMemory.Judge(samples, Rule with { MaxSlopeMBPerMinute = 1000 });

        Assert.False(verdict.Flat);
        Assert.Equal(200, verdict.MiddleMedianMB, 6);
        Assert.Equal(248, verdict.LastBoundMB, 6);
        Assert.Equal(260, verdict.LastMedianMB, 6);
        Assert.StartsWith("growing: last third's median", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_that_ends_before_the_warm_up_does_gives_no_verdict_and_does_not_pass()
    {
        HeapSample[] samples =
        [
            At(0, 1, 0),
            At(5, 50, 30_000),
            At(10, 100, 60_000),
            At(15, 150, 90_000),    // still filling when the run ends
        ];

        var verdict = FlatMemory.Judge(samples, Rule);

        Assert.False(verdict.Flat);
        Assert.Equal(0, verdict.SteadySamples);
        Assert.StartsWith("no verdict: 0 samples after the warm-up, at least 9 needed", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_samples_after_the_warm_up_give_no_verdict()
    {
        var samples = Enumerable.Range(0, 8).Select(i => At(5 * i, 100, 100_000 + i)).ToList();

        var verdict = FlatMemory.Judge(samples, Rule);

        Assert.False(verdict.Flat);
        Assert.Equal(8, verdict.SteadySamples);
        Assert.StartsWith("no verdict", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void One_high_sample_in_the_last_third_while_alerts_wait_for_delivery_is_not_growth()
    {
        // The 2026-11-30 300 s run under load: the heap followed the alerts waiting for delivery (185 MB with a backlog
        // at 263 s, 108 MB once delivered); a peak rule failed it by 2.6 MB, the medians do not move.
        HeapSample[] samples =
        [
            At(143, 120, 113_200),  // steady from here: middle and last thirds below are six samples each
            At(153, 118, 113_200),
            At(161, 105, 129_800),
            At(170, 118, 132_900),
            At(177, 102, 149_800),
            At(186, 106, 159_000),
            At(195, 111, 171_600),  // middle third
            At(203, 109, 183_200),
            At(212, 128, 193_900),
            At(220, 145, 200_300),
            At(228, 122, 231_600),
            At(236, 123, 234_400),
            At(244, 151, 239_500),  // last third
            At(253, 175, 239_500),
            At(263, 185, 239_500),  // delivery stalled: the heap holds what waits
            At(272, 140, 266_100),
            At(281, 121, 266_100),
            At(289, 108, 299_000),
        ];

        var verdict = FlatMemory.Judge(samples, Rule);

        Assert.True(verdict.Flat, verdict.Reason);
        Assert.Equal(122.5, verdict.MiddleMedianMB, 6);       // 109, 111, 122, 123, 128, 145
        Assert.Equal(145.5, verdict.LastMedianMB, 6);         // 108, 121, 140, 151, 175, 185
        Assert.Equal(155, verdict.LastBoundMB, 6);            // 1.2 x 122.5 + 8
    }

    [Fact]
    public void The_median_of_an_even_count_is_the_mean_of_the_middle_two()
    {
        Assert.Equal(15, FlatMemory.Median([At(0, 30, 0), At(5, 10, 0), At(10, 20, 0), At(15, 5, 0)]), 9);
        Assert.Equal(20, FlatMemory.Median([At(0, 30, 0), At(5, 10, 0), At(10, 20, 0)]), 9);
    }

    [Fact]
    public void The_slope_is_in_megabytes_per_minute()
    {
        // 2 MB every 5 s is 24 MB a minute; a level series has none.
        HeapSample[] rising = [At(0, 10, 0), At(5, 12, 0), At(10, 14, 0), At(15, 16, 0)];
        HeapSample[] level = [At(0, 10, 0), At(5, 10, 0), At(10, 10, 0)];

        Assert.Equal(24, FlatMemory.Slope(rising), 9);
        Assert.Equal(0, FlatMemory.Slope(level), 9);
    }
}
