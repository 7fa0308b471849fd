using Pipeline.Core.Alerts;

namespace Pipeline.Conformance;

/// <summary>Hand-built alert events for the suites.</summary>
public static class AlertSamples
{
    public static AlertEvent Alert(
        string id,
        string episode,
        AlertTransitionKind kind,
        long sequence,
        DateTimeOffset time,
        double? value = 81.5,
        string key = "chiller-17",
        string ruleId = "overheat")
    {
        var status = kind == AlertTransitionKind.Resolved ? AlertStatus.Resolved : AlertStatus.Firing;
        return new AlertEvent
        {
            Id = id,
            Source = $"/pipeline/test/rules/{ruleId}",
            Type = AlertEvent.TypeName(kind),
            Subject = $"devices/{key}/rules/{ruleId}",
            Time = time,
            Data = new AlertData
            {
                EpisodeId = episode,
                RuleId = ruleId,
                RuleVersion = "v-0123abcd",
                Key = key,
                Transition = kind,
                Severity = kind == AlertTransitionKind.Escalated ? Severity.Critical : Severity.Warning,
                Status = status,
                Sequence = sequence,
                Value = value,
                Condition = "avg(temperature) > 80",
                Threshold = 80,
                ConditionSource = "rule",
                Window = new AlertWindow(time.AddMinutes(-1), time),
                Evidence = new AlertEvidence(12, 100 + sequence, 111 + sequence, "0"),
                Labels = new Dictionary<string, string> { ["site"] = "plant-7", ["deviceType"] = "chiller" },
                StartsAt = time,
                EndsAt = kind == AlertTransitionKind.Resolved ? time : null,
            },
        };
    }
}
