using Pipeline.Core.Rules;
using Pipeline.Core.Tests.Support;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Detectors;

public sealed class RobustAndChangePointTimelineTests
{
    // Alternating 10 and 11: median 10.5, MAD 0.5, robust scale 1.4826 × 0.5 ≈ 0.741.
    private static (double, double)[] Steady(int count, double start = 0) =>
        Enumerable.Range(0, count).Select(i => (start + (i * 10.0), i % 2 == 0 ? 10.0 : 11.0)).ToArray();

    [Fact]
    public void Mad_fires_on_an_outlier_and_is_not_blinded_by_it()
    {
        var t = new Timeline(Set(Detector("vib", "vibration", new MadDetectorSpec(History: 20, Threshold: 3.5, Warmup: 10))));

        t.Send("vibration", Steady(20));
        t.Send("vibration",
            (200, 20),    // (20 − 10.5) / 0.741 ≈ 12.8: fires
            (210, 20),    // the median (11) and MAD (0.5) barely moved: (20 − 11) / 0.741 ≈ 12.1, still firing
            (220, 10.5)); // two 20s among 18 ordinary values: median 11, MAD 1 → |10.5 − 11| / 1.48 ≈ 0.34: resolves

        Assert.Equal(["Fired vib d1 00:03:20 warning", "Resolved vib d1 00:03:40 warning"], t.Lines());
        Assert.Equal(12.815, t.Alerts[0].Data.Value!.Value, 3);
    }

    [Fact]
    public void SpikeAndDip_in_spikes_mode_ignores_dips()
    {
        var t = new Timeline(Set(Detector("spike", "pressure", new SpikeAndDipDetectorSpec(History: 20, Threshold: 3.5, Warmup: 10, SpikeMode.Spikes))));

        t.Send("pressure", Steady(20));
        t.Send("pressure",
            (200, 1),     // a dip: (1 − 10.5) / 0.741 ≈ −12.8, not a spike
            (210, 20),    // a spike
            (220, 10.5)); // ordinary: resolves

        Assert.Equal(["Fired spike d1 00:03:30 warning", "Resolved spike d1 00:03:40 warning"], t.Lines());
    }

    [Fact]
    public void SpikeAndDip_in_dips_mode_ignores_spikes()
    {
        var t = new Timeline(Set(Detector("dip", "pressure", new SpikeAndDipDetectorSpec(History: 20, Threshold: 3.5, Warmup: 10, SpikeMode.Dips))));

        t.Send("pressure", Steady(20));
        t.Send("pressure", (200, 20), (210, 1), (220, 10.5));

        Assert.Equal(["Fired dip d1 00:03:30 warning", "Resolved dip d1 00:03:40 warning"], t.Lines());
    }

    [Fact]
    public void Change_point_fires_on_a_level_shift_and_resolves_once_the_new_level_is_learned()
    {
        var t = new Timeline(Set(Detector("shift", "pressure", new ChangePointDetectorSpec(Threshold: 5, Drift: 0.5, Warmup: 10))));

        // Learn from 10 values (mean 10.5, sd √(2.5/9) ≈ 0.527), then 10 ordinary ones: S⁺ and S⁻ stay below 0.45.
        t.Send("pressure", Steady(20));
        t.Send("pressure",
            (200, 13),  // z ≈ 4.74: S⁺ ≈ 0.45 + 4.74 − 0.5 ≈ 4.69, below 5
            (210, 14)); // z ≈ 6.64: S⁺ ≈ 10.8 > 5: a change point

        // The next 10 values teach the new baseline; the 10th resolves the alert.
        t.Send("pressure", Enumerable.Range(0, 10).Select(i => (220.0 + (i * 10), i % 2 == 0 ? 13.0 : 14.0)).ToArray());

        Assert.Equal(["Fired shift d1 00:03:30 warning", "Resolved shift d1 00:05:10 warning"], t.Lines());
    }

    [Fact]
    public void Change_point_stays_quiet_on_stationary_noise()
    {
        var t = new Timeline(Set(Detector("shift", "pressure", new ChangePointDetectorSpec(Threshold: 5, Drift: 0.5, Warmup: 10))));

        t.Send("pressure", Steady(200));

        Assert.Empty(t.Lines());
    }
}
