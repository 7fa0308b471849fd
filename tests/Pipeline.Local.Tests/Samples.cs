using Pipeline.Core.Alerts;

namespace Pipeline.Local.Tests;

/// <summary>Hand-built alerts and a scratch directory for adapter tests.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>One rule without reordering: a temperature above 80 fires, at or below resolves.</summary>
    public const string HotRules = """
        defaults: { outOfOrderTolerance: 0s }
        rules:
          - id: hot
            metric: temperature
            when: "> 80"
        """;

    /// <summary><see cref="HotRules"/> loaded.</summary>
    public static readonly Core.Rules.RuleSet Hot = Core.RuleSets.RuleSetLoader.Load(HotRules).RuleSet!;

    public static AlertEvent Alert(string id, AlertTransitionKind kind = AlertTransitionKind.Fired, DateTimeOffset? time = null,
        Severity severity = Severity.Critical, string key = "chiller-17", string ruleId = "overheat", double? value = 86.25,
        string conditionSource = "override:site=plant-7")
    {
        var at = time ?? T0;
        return new AlertEvent
        {
            Id = id,
            Source = $"/pipeline/test/rules/{ruleId}",
            Type = AlertEvent.TypeName(kind),
            Subject = $"devices/{key}/rules/{ruleId}",
            Time = at,
            Data = new AlertData
            {
                EpisodeId = "ep-" + id,
                RuleId = ruleId,
                RuleVersion = "v1",
                Key = key,
                Transition = kind,
                Severity = severity,
                Status = kind == AlertTransitionKind.Resolved ? AlertStatus.Resolved : AlertStatus.Firing,
                Sequence = kind == AlertTransitionKind.Resolved ? 2 : 1,
                Value = value,
                Condition = "avg(temperature) > 85",
                Threshold = 85,
                ConditionSource = conditionSource,
                Evidence = new AlertEvidence(12, 100, 111, "0"),
                Labels = new Dictionary<string, string> { ["site"] = "plant-7" },
                StartsAt = kind == AlertTransitionKind.Resolved ? at.AddMinutes(-4).AddSeconds(-30) : at,
                EndsAt = kind == AlertTransitionKind.Resolved ? at : null,
            },
        };
    }
}

/// <summary>A fresh directory under the temp folder, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pipeline-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a failed test must not hide that test's own failure.
        }
    }
}
