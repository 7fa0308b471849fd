using System.Text.Json;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Tests.Support;

namespace Pipeline.Core.Tests.Alerts.Silences;

/// <summary><see cref="SilenceParts"/>: the one way the CLI's flags and the Api's body become a silence.</summary>
public sealed class SilencePartsTests
{
    [Fact]
    public void Missing_id_and_start_take_the_given_id_and_now_and_a_duration_ends_that_long_after_the_start()
    {
        var parts = new SilenceParts { RuleId = "hot", For = TimeSpan.FromHours(2), Author = "ops" };

        var (silence, errors) = parts.Build("s-new", Timeline.At(60));

        Assert.Empty(errors);
        Assert.Equal(
            new Silence { Id = "s-new", RuleId = "hot", Labels = parts.Labels, StartsAt = Timeline.At(60), EndsAt = Timeline.At(60 + 7200), Author = "ops" },
            silence);
    }

    [Fact]
    public void Given_parts_win_over_the_defaults()
    {
        var parts = new SilenceParts
        {
            Id = "s1", Device = "d1", StartsAt = Timeline.At(100), EndsAt = Timeline.At(200), Author = "ops", Comment = "pump swap",
        };

        var (silence, _) = parts.Build("s-new", Timeline.At(0));

        Assert.Equal(("s1", "d1", Timeline.At(100), Timeline.At(200), "pump swap"),
            (silence!.Id, silence.Device, silence.StartsAt, silence.EndsAt, silence.Comment));
    }

    [Fact]
    public void Every_missing_part_is_named_by_its_field_and_an_end_given_twice_is_refused()
    {
        var (none, missing) = new SilenceParts { RuleId = "hot" }.Build(newId: null, now: null);
        var (twice, both) = new SilenceParts { RuleId = "hot", EndsAt = Timeline.At(60), For = TimeSpan.FromMinutes(1), Author = "ops" }
            .Build("s-new", Timeline.At(0));

        Assert.Null(none);
        Assert.Equal(
        [
            "id: is required",
            "startsAt: is required (an ISO 8601 time with offset)",
            "endsAt: is required (an ISO 8601 time with offset)",
            "author: is required",
        ], missing.Select(e => e.ToString()));
        Assert.Null(twice);
        Assert.Equal("for", Assert.Single(both).Field);
    }

    [Fact]
    public void Labels_are_NAME_equals_VALUE_and_the_first_text_without_a_name_is_told()
    {
        var (labels, bad) = SilenceParts.ParseLabels(["site=plant-6", "expr=a=b", "site=plant-7"]);
        var (_, noName) = SilenceParts.ParseLabels(["site=plant-6", "=x", "novalue"]);
        var (_, noEquals) = SilenceParts.ParseLabels(["novalue"]);

        Assert.Null(bad);
        Assert.Equal(new Dictionary<string, string> { ["site"] = "plant-7", ["expr"] = "a=b" }, labels); // a later name replaces an earlier one
        Assert.Equal("=x", noName);
        Assert.Equal("novalue", noEquals);
    }

    [Fact]
    public void A_new_id_is_s_and_the_first_12_hex_digits_of_the_guid()
    {
        Assert.Equal("s-0123456789ab", SilenceParts.NewId(Guid.Parse("0123456789abcdef0123456789abcdef")));
    }

    [Fact]
    public void The_json_reader_builds_through_the_same_parts()
    {
        using var body = JsonDocument.Parse("""{"rule":"hot","endsAt":"2026-01-01T01:00:00Z","author":"ops"}""");
        using var noAuthor = JsonDocument.Parse("""{"rule":"hot","endsAt":"2026-01-01T01:00:00Z"}""");

        var (silence, _) = SilenceJson.Read(body.RootElement, "s-new", Timeline.At(0));
        var (_, errors) = SilenceJson.Read(noAuthor.RootElement, "s-new", Timeline.At(0));

        Assert.Equal(("s-new", Timeline.At(0), Timeline.At(3600)), (silence!.Id, silence.StartsAt, silence.EndsAt));
        Assert.Equal(["author: is required"], errors);
    }
}
