using System.Text.Json.Serialization;

namespace Pipeline.Functions.Api;

/// <summary><c>GET /api/rules</c>: the rules in force and the stored text they came from.</summary>
public sealed record RulesResponse(string Version, IReadOnlyList<string> Rules, RuleSourceResponse? Source);

public sealed record RuleSourceResponse(string Version, string Format, DateTimeOffset UpdatedAt, string Text);

/// <summary><c>PUT /api/rules</c> accepted.</summary>
public sealed record RulesAcceptedResponse(string Version, IReadOnlyList<string> Rules);

/// <summary><c>PUT /api/rules</c> rejected: every error, and the version that stays active.</summary>
public sealed record RulesRejectedResponse(string Error, string ActiveVersion, IReadOnlyList<RuleErrorResponse> Errors);

public sealed record RuleErrorResponse(string? RuleId, string Field, string Message, int? Line, string Text);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(RulesResponse))]
[JsonSerializable(typeof(RulesAcceptedResponse))]
[JsonSerializable(typeof(RulesRejectedResponse))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
