using System.Globalization;
using System.Text;
using Pipeline.Core.Alerts;
using Pipeline.Core.Rules.Diff;
using Pipeline.Core.RuleSets;

namespace Pipeline.Core.Tests.Rules.Diff;

/// <summary>Two rule sets over one recording on the real processor; the episode differences are written out by hand.</summary>
public sealed class EpisodeDiffTimelineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const string OldRules = """
        defaults: { outOfOrderTolerance: 0s }
        rules:
          - { id: hot, metric: temperature, when: "> 80", clear: "< 75", severity: warning }
          - { id: low, metric: temperature, when: "< 72", severity: info }
        """;

    private const string NewRules = """
        defaults: { outOfOrderTolerance: 0s }
        rules:
          - { id: hot, metric: temperature, when: "> 85", clear: "< 75", severity: critical }
          - { id: low, metric: temperature, when: "< 72", severity: info }
          - { id: surge, metric: temperature, when: "> 94", severity: critical }
        """;

    private static List<ReadOnlyMemory<byte>> Recording(params (int Seconds, double Temperature)[] samples) =>
        [.. samples.Select(s => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $$"""{"deviceId":"d1","ts":"{{T0.AddSeconds(s.Seconds):O}}","temperature":{{s.Temperature}}}""")))];

    private static async Task<IReadOnlyList<EpisodeDifference>> DiffAsync(string oldRules, string newRules, List<ReadOnlyMemory<byte>> recording)
    {
        var before = await RecordingReplay.RunAsync(RuleSetLoader.Load(oldRules).RuleSet!, recording, T0);
        var after = await RecordingReplay.RunAsync(RuleSetLoader.Load(newRules).RuleSet!, recording, T0);
        return EpisodeDiff.Compare(Episode.From(before.Transitions), Episode.From(after.Transitions));
    }

    [Fact]
    public async Task Episodes_are_paired_by_overlap_and_reported_added_removed_and_changed()
    {
        var recording = Recording(
            (0, 70),   // low fires in both
            (10, 82),  // old hot fires (> 80); new hot does not (> 85); low resolves
            (20, 90),  // new hot fires at critical with 90
            (30, 70),  // both hot episodes resolve; low fires
            (40, 83),  // old hot fires again, new hot stays quiet; low resolves
            (50, 70),  // old hot resolves; low fires
            (60, 95),  // both hot fire, surge (new only) fires; low resolves
            (70, 95),  // still firing
            (80, 70)); // hot and surge resolve; low fires and is still firing at the end

        var differences = await DiffAsync(OldRules, NewRules, recording);

        Assert.Equal(
        [
            "~ changed hot d1: start 2026-01-01T00:00:10Z -> 2026-01-01T00:00:20Z, severity warning -> critical, value 82 -> 90",
            "- removed hot d1: 2026-01-01T00:00:40Z to 2026-01-01T00:00:50Z warning value=83",
            "~ changed hot d1: severity warning -> critical",
            "  unchanged low d1: 2026-01-01T00:00:00Z to 2026-01-01T00:00:10Z info value=70",
            "  unchanged low d1: 2026-01-01T00:00:30Z to 2026-01-01T00:00:40Z info value=70",
            "  unchanged low d1: 2026-01-01T00:00:50Z to 2026-01-01T00:01:00Z info value=70",
            "  unchanged low d1: 2026-01-01T00:01:20Z to (firing) info value=70",
            "+ added surge d1: 2026-01-01T00:01:00Z to 2026-01-01T00:01:20Z critical value=95",
        ], differences.Select(EpisodeDiff.Line));
        Assert.Equal(new EpisodeDiffSummary(Added: 1, Removed: 1, Changed: 2, Unchanged: 4), EpisodeDiff.Summarize(differences));
    }

    [Fact]
    public async Task The_same_rules_over_a_recording_give_no_difference()
    {
        var recording = Recording((0, 70), (10, 90), (20, 70));

        var differences = await DiffAsync(OldRules, OldRules, recording);

        Assert.False(EpisodeDiff.Summarize(differences).HasDifferences);
        Assert.Equal(
        [
            "  unchanged hot d1: 2026-01-01T00:00:10Z to 2026-01-01T00:00:20Z warning value=90",  // fired by 90, resolved by 70
            "  unchanged low d1: 2026-01-01T00:00:00Z to 2026-01-01T00:00:10Z info value=70",     // 70 < 72, then 90
            "  unchanged low d1: 2026-01-01T00:00:20Z to (firing) info value=70",                 // open at the end
        ], differences.Select(EpisodeDiff.Line));
    }

    [Fact]
    public void One_long_old_episode_pairs_with_the_first_new_one_it_overlaps_and_the_second_is_added()
    {
        Episode E(int from, int? to, Severity severity = Severity.Warning, double value = 1) =>
            new("r", "d", T0.AddSeconds(from), to is { } t ? T0.AddSeconds(t) : null, severity, value);

        var differences = EpisodeDiff.Compare(
            [E(0, 100)],             // old: one episode from 0s to 100s
            [E(0, 40), E(60, 100)]); // new: the same time split in two

        Assert.Equal(
        [
            "~ changed r d: end 2026-01-01T00:01:40Z -> 2026-01-01T00:00:40Z",      // the first keeps the start, ends earlier
            "+ added r d: 2026-01-01T00:01:00Z to 2026-01-01T00:01:40Z warning value=1",  // the second is new
        ], differences.Select(EpisodeDiff.Line));
    }

    [Fact]
    public void An_episode_still_firing_in_one_run_and_resolved_in_the_other_changed_its_end()
    {
        var old = new Episode("r", "d", T0, null, Severity.Error, 5);
        var now = old with { End = T0.AddMinutes(1) };

        var difference = Assert.Single(EpisodeDiff.Compare([old], [now]));

        Assert.Equal(EpisodeChange.Changed, difference.Change);
        Assert.Equal(["end"], difference.Fields);
        Assert.Equal("~ changed r d: end (firing) -> 2026-01-01T00:01:00Z", EpisodeDiff.Line(difference));
    }
}
