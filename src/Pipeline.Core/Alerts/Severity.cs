namespace Pipeline.Core.Alerts;

/// <summary>Alert severities, ordered: a higher value is more severe (escalation goes up).</summary>
public enum Severity
{
    Info = 0,
    Warning = 1,
    Error = 2,
    Critical = 3,
}

/// <summary>Where an alert's lifecycle stands for one (rule, key).</summary>
public enum AlertStatus
{
    Inactive = 0,
    Pending = 1,
    Firing = 2,
    Resolved = 3,
}

/// <summary>The transitions that are published as CloudEvents (<c>Pipeline.Alert.{kind}</c>).</summary>
public enum AlertTransitionKind
{
    Fired = 0,
    Resolved = 1,
    Escalated = 2,
    Deescalated = 3,

    /// <summary>A late event (within allowed lateness) changed the value behind a published alert.</summary>
    Amended = 4,
}
