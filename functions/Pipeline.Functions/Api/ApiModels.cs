using System.Text.Json.Serialization;
using Pipeline.Core.Engine;
using Pipeline.Core.Processing;

namespace Pipeline.Functions.Api;

/// <summary><c>GET /api/rules</c>: the rules in force and the stored text they came from.</summary>
public sealed record RulesResponse(string Version, IReadOnlyList<string> Rules, RuleSourceResponse? Source);

public sealed record RuleSourceResponse(string Version, string Format, DateTimeOffset UpdatedAt, string Text);

/// <summary><c>PUT /api/rules</c> accepted.</summary>
public sealed record RulesAcceptedResponse(string Version, IReadOnlyList<string> Rules);

/// <summary><c>PUT /api/rules</c> rejected: every error, and the version that stays active.</summary>
public sealed record RulesRejectedResponse(string Error, string ActiveVersion, IReadOnlyList<RuleErrorResponse> Errors);

public sealed record RuleErrorResponse(string? RuleId, string Field, string Message, int? Line, string Text);

/// <summary><c>GET /api/health</c>.</summary>
public sealed record HealthResponse(
    string Status,
    string? Error,
    string? Environment,
    string? RulesVersion,
    IReadOnlyDictionary<string, string>? Ports,
    HealthTotals? Totals);

/// <summary>The processor's totals since it started.</summary>
public sealed record HealthTotals(
    long Received, long Applied, long Malformed, long Duplicates, long Late, long Quarantined, long DeadLettered,
    long Published, long Fired, long Resolved, long Escalated, long Deescalated, long Amended, long PublishFailures)
{
    public static HealthTotals From(RunTotals t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var e = t.Events;
        return new(e.Received, e.Applied, e.Malformed, e.Duplicates, e.Late, e.Quarantined, e.DeadLettered,
            t.Published, t.Fired, t.Resolved, t.Escalated, t.Deescalated, t.Amended, t.PublishFailures);
    }
}

public sealed record ErrorResponse(string Error);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(KeyView))]
[JsonSerializable(typeof(RulesResponse))]
[JsonSerializable(typeof(RulesAcceptedResponse))]
[JsonSerializable(typeof(RulesRejectedResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
