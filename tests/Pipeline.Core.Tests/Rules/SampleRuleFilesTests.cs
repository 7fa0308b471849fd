using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;

namespace Pipeline.Core.Tests.Rules;

/// <summary>samples/rules.yaml and samples/rules.json are used by the README and the demo: they must stay valid and equal.</summary>
public class SampleRuleFilesTests
{
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("no Pipeline.sln above " + AppContext.BaseDirectory);
    }

    private static RuleSet LoadSample(string name, RuleFileFormat format)
    {
        var result = RuleSetLoader.Load(File.ReadAllText(Path.Combine(RepoRoot(), "samples", name)), format);
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Errors));
        return result.RuleSet!;
    }

    [Fact]
    public void Yaml_and_json_samples_load_without_errors_and_have_the_same_version()
    {
        var yaml = LoadSample("rules.yaml", RuleFileFormat.Auto);
        var json = LoadSample("rules.json", RuleFileFormat.Auto);

        Assert.Equal(yaml.Version, json.Version);
        Assert.Equal(yaml.Rules.Select(r => r.Id), json.Rules.Select(r => r.Id));
    }

    [Fact]
    public void Samples_cover_every_rule_kind()
    {
        var set = LoadSample("rules.yaml", RuleFileFormat.Yaml);

        foreach (var id in new[] { "overheat", "vibration-anomaly", "offline", "stuck", "ramp", "hot-and-offline" })
        {
            Assert.NotNull(set.Find(id));
        }

        Assert.Equal(
            [WindowKind.Tumbling, WindowKind.Hopping, WindowKind.Sliding, WindowKind.Session],
            set.Rules.Where(r => r.Window is not null).Select(r => r.Window!.Kind).Distinct().Order());
        Assert.Equal(
            ["changePoint", "ewma", "flatline", "heartbeat", "mad", "rateOfChange", "spikeAndDip", "zscore"],
            set.Rules.Where(r => r.Detector is not null).Select(r => r.Detector!.Kind).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(set.Rules, r => r.Ladder.Count > 0);
        Assert.Contains(set.Rules, r => r.Composite?.Mode == CompositeMode.All);
        Assert.Contains(set.Rules, r => r.Composite?.Mode == CompositeMode.Any);
    }

    [Fact]
    public void Overheat_sample_matches_the_design_example()
    {
        var overheat = LoadSample("rules.yaml", RuleFileFormat.Yaml).Find("overheat")!;

        Assert.Equal("temperature", overheat.Metric);
        Assert.Equal(WindowSpec.Tumbling(TimeSpan.FromMinutes(1)), overheat.Window);
        Assert.Equal(new AggregateSpec(AggregateKind.Avg), overheat.Aggregate);
        Assert.Equal(new Condition(ComparisonOperator.GreaterThan, 80), overheat.When);
        Assert.Equal(new Condition(ComparisonOperator.LessThan, 75), overheat.Clear);
        Assert.Equal(TimeSpan.FromMinutes(2), overheat.For);
        Assert.Equal(TimeSpan.FromMinutes(1), overheat.KeepFiringFor);
        Assert.Equal("site=plant-7", overheat.Overrides[0].Match.ToString());
        Assert.Equal(new Condition(ComparisonOperator.GreaterThan, 85), overheat.Overrides[0].When);
        Assert.Equal("deviceId=chiller-17", overheat.Overrides[1].Match.ToString());
        Assert.Equal(new Condition(ComparisonOperator.GreaterThan, 90), overheat.Overrides[1].When);

        var offline = Assert.IsType<HeartbeatDetectorSpec>(LoadSample("rules.yaml", RuleFileFormat.Yaml).Find("offline")!.Detector);
        Assert.Equal(TimeSpan.FromMinutes(2), offline.Timeout);
        Assert.Equal(
            new FlatlineDetectorSpec(TimeSpan.FromMinutes(10), 0.01),
            LoadSample("rules.yaml", RuleFileFormat.Yaml).Find("stuck")!.Detector);
    }
}
