using System.Text.Json.Serialization;
using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Processing;
using Pipeline.Core.State;

namespace Pipeline.Dashboard.Api;

/// <summary><c>GET /api/health</c>.</summary>
public sealed record HealthResponse(
    string Status,
    string? Error,
    string? Environment,
    string? RulesVersion,
    IReadOnlyDictionary<string, string>? Ports,
    HealthTotals? Totals)
{
    /// <summary>The server's processing time, so a page can compute lag without trusting the browser's clock.</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>The newest event time seen across the fleet (the history's view).</summary>
    public DateTimeOffset? LatestEventTime { get; init; }

    /// <summary>The health rules over the pipeline's own metrics (docs/observability.md); null where the shell runs none.</summary>
    public IReadOnlyList<HealthCheck>? Checks { get; init; }
}

/// <summary>One health rule as of its latest evaluation: its value over the last window, and whether it fires.</summary>
public sealed record HealthCheck(string Rule, string Signal, double Threshold, double? Value, bool Firing, DateTimeOffset? Since)
{
    public static IReadOnlyList<HealthCheck>? From(IReadOnlyList<Pipeline.Core.Observability.HealthStatus>? status) =>
        status?.Select(s => new HealthCheck(s.RuleId, Pipeline.Core.Observability.HealthMonitor.Describe(s.Signal), s.Threshold, s.Value, s.Firing, s.Since)).ToList();
}

/// <summary>The processor's running totals; the same names as the fields of <see cref="RunTotals"/>, plus what waits in outboxes.</summary>
public sealed record HealthTotals
{
    public long Received { get; init; }
    public long Applied { get; init; }
    public long Malformed { get; init; }
    public long Duplicates { get; init; }
    public long Late { get; init; }
    public long Quarantined { get; init; }
    public long Published { get; init; }
    public long Fired { get; init; }
    public long Resolved { get; init; }
    public long Escalated { get; init; }
    public long Deescalated { get; init; }
    public long Amended { get; init; }
    public long PublishFailures { get; init; }
    public long DeadLettered { get; init; }

    /// <summary>Alerts waiting in outboxes (not yet delivered, or delivery failed); null where the shell does not know.</summary>
    public long? OutboxWaiting { get; init; }

    /// <summary>Undelivered alerts moved from full outboxes to the dead-letter store.</summary>
    public long OutboxDeadLettered { get; init; }

    public static HealthTotals From(RunTotals t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var e = t.Events;
        return new HealthTotals
        {
            Received = e.Received, Applied = e.Applied, Malformed = e.Malformed, Duplicates = e.Duplicates, Late = e.Late,
            Quarantined = e.Quarantined, Published = t.Published, Fired = t.Fired, Resolved = t.Resolved, Escalated = t.Escalated,
            Deescalated = t.Deescalated, Amended = t.Amended, PublishFailures = t.PublishFailures, DeadLettered = e.DeadLettered,
            OutboxDeadLettered = t.OutboxDeadLettered,
        };
    }
}

/// <summary>A device's status in the fleet view, worst first: firing (by severity), pending, silent, ok.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeviceStatus>))]
public enum DeviceStatus
{
    Ok = 0,
    Silent = 1,
    Pending = 2,
    Firing = 3,
}

/// <summary>One row of <c>GET /api/devices</c>; <c>LastSeen</c> is null for an expected key that never sent.</summary>
public sealed record DeviceSummary(
    string Id,
    DeviceStatus Status,
    Severity? Severity,
    int Firing,
    DateTimeOffset? LastSeen,
    IReadOnlyDictionary<string, string> Labels);

/// <summary><c>GET /api/devices</c>: one page of the fleet, trouble first, and the label values to filter by.</summary>
public sealed record DeviceListResponse(
    int Total,
    int Matched,
    int Offset,
    IReadOnlyList<DeviceSummary> Devices,
    IReadOnlyDictionary<string, int> ByStatus,
    IReadOnlyDictionary<string, IReadOnlyList<string>> LabelValues);

/// <summary><c>GET /api/devices/{id}/history</c>: chart data and the thresholds that apply to this device.</summary>
public sealed record DeviceHistoryResponse(
    string Id,
    DateTimeOffset LastSeen,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, IReadOnlyList<HistoryPoint>> Metrics,
    IReadOnlyList<ThresholdLine> Thresholds);

/// <summary>A rule's threshold for one metric of one device, and where it came from (<c>rule</c> or <c>override:…</c>).</summary>
public sealed record ThresholdLine(string RuleId, string Metric, string Condition, double Value, Severity Severity, string Source);

public sealed record ErrorResponse(string Error);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(KeyView))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(DeviceListResponse))]
[JsonSerializable(typeof(DeviceHistoryResponse))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
