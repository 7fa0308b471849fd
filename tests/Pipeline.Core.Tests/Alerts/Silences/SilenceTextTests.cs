using Pipeline.Core.Alerts.Silences;

namespace Pipeline.Core.Tests.Alerts.Silences;

public sealed class SilenceTextTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static readonly Silence Maintenance = new()
    {
        Id = "s1",
        RuleId = "overheat",
        Device = "chiller-01",
        Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["site"] = "plant-2", ["area"] = "north" },
        StartsAt = T0,
        EndsAt = T0.AddHours(2),
        Author = "ops",
        Comment = "maintenance",
    };

    [Fact]
    public void A_silence_reads_as_its_matchers_labels_sorted_its_span_status_author_and_comment()
    {
        Assert.Equal(
            "rule=overheat device=chiller-01 area=north site=plant-2 from 2026-03-01T09:00:00Z to 2026-03-01T11:00:00Z (active) by ops: maintenance",
            SilenceText.Describe(Maintenance, T0.AddMinutes(30)));
    }

    [Fact]
    public void Its_status_follows_the_time_it_is_read_at()
    {
        var device = new Silence { Id = "s2", Device = "d9", StartsAt = T0, EndsAt = T0.AddMinutes(30), Author = "ops" };

        Assert.Equal("device=d9 from 2026-03-01T09:00:00Z to 2026-03-01T09:30:00Z (pending) by ops", SilenceText.Describe(device, T0.AddSeconds(-1)));
        Assert.Equal("device=d9 from 2026-03-01T09:00:00Z to 2026-03-01T09:30:00Z (active) by ops", SilenceText.Describe(device, T0));
        Assert.Equal("device=d9 from 2026-03-01T09:00:00Z to 2026-03-01T09:30:00Z (expired) by ops", SilenceText.Describe(device, T0.AddMinutes(30)));
    }
}
