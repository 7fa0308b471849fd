using Pipeline.Core.Alerts;

namespace Pipeline.Core.Engine;

/// <summary>A read-only view of one key's state for the Api (<c>GET /api/devices/{id}</c>).</summary>
public sealed record KeyView(
    string Key,
    DateTimeOffset? Watermark,
    DateTimeOffset? LastEventTime,
    DateTimeOffset? LastArrival,
    IReadOnlyDictionary<string, double> LastValues,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<AlertStateView> Alerts,
    int BufferedEvents,
    int OutboxCount);

/// <summary>One (rule, key) alert state.</summary>
public sealed record AlertStateView(string RuleId, AlertStatus Status, Severity Severity, string? EpisodeId, long Sequence, DateTimeOffset? Since, double? Value);
