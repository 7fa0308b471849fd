using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Alerts;
using Pipeline.Core.Rules;
using Pipeline.Dashboard.Api;
using Pipeline.Dashboard.Page;
using Pipeline.Functions.Contract;

namespace Pipeline.Functions.Api;

/// <summary>
/// The Api function's routes. With <c>enableProxyingHttpRequest</c> the host forwards the caller's request unchanged
/// (after checking the function key), so these are plain HTTP endpoints at the same paths.
/// </summary>
internal static class ApiEndpoints
{
    /// <summary>Largest rule file <c>PUT /api/rules</c> accepts.</summary>
    public const int MaxRulesBytes = 1024 * 1024;

    // Responses are application/json, never embedded in HTML: keep quotes and < > readable in rule error messages.
    private static readonly ApiJsonContext s_json = new(new JsonSerializerOptions(ApiJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public static void Map(IEndpointRouteBuilder app, PipelineRuntime runtime, ILogger logger)
    {
        // Devices, alerts and health are the Api both shells serve; the page polls it (a request may not stay open here).
        app.MapPipelineApi(new RuntimeApiSource(runtime), logger);
        app.MapDashboard(new DashboardPageOptions { PathPrefix = "/api/dashboard", Live = LiveMode.Poll });
        app.MapGet("/api/rules", context => PipelineApi.GuardAsync(context, logger, () => GetRulesAsync(context, runtime)));
        app.MapPut("/api/rules", context => PipelineApi.GuardAsync(context, logger, () => PutRulesAsync(context, runtime)));
    }

    private static async Task GetRulesAsync(HttpContext context, PipelineRuntime runtime)
    {
        var ready = await runtime.GetAsync(context.RequestAborted).ConfigureAwait(false);
        var rules = ready.Processor.Rules;
        var stored = await ready.Components.Rules.GetActiveAsync(context.RequestAborted).ConfigureAwait(false);
        var source = stored is null ? null : new RuleSourceResponse(stored.Version, stored.Format, stored.UpdatedAt, stored.Text);
        await WriteJsonAsync(context, StatusCodes.Status200OK, new RulesResponse(rules.Version, [.. rules.Rules.Select(r => r.Id)], source),
            s_json.RulesResponse).ConfigureAwait(false);
    }

    private static async Task PutRulesAsync(HttpContext context, PipelineRuntime runtime)
    {
        var body = await RequestBody.ReadAsync(context.Request, MaxRulesBytes, context.RequestAborted).ConfigureAwait(false);
        if (body is not { } bytes)
        {
            await PipelineApi.WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, $"A rule file may be at most {MaxRulesBytes} bytes.").ConfigureAwait(false);
            return;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes.Span);
        }
        catch (DecoderFallbackException)
        {
            await BadRequestAsync(context, "The rule file is not UTF-8 text.").ConfigureAwait(false);
            return;
        }

        var result = await runtime.ReplaceRulesAsync(text, FormatOf(context.Request.ContentType), context.RequestAborted).ConfigureAwait(false);
        if (!result.Success)
        {
            var ready = await runtime.GetAsync(context.RequestAborted).ConfigureAwait(false);
            var errors = result.Errors.Select(e => new RuleErrorResponse(e.RuleId, e.Field, e.Message, e.Line, e.ToString())).ToList();
            await WriteJsonAsync(context, StatusCodes.Status400BadRequest,
                new RulesRejectedResponse($"The rule set is invalid ({errors.Count} error(s)); the previous rules stay active.", ready.Processor.Rules.Version, errors),
                s_json.RulesRejectedResponse).ConfigureAwait(false);
            return;
        }

        var rules = result.RuleSet!;
        await WriteJsonAsync(context, StatusCodes.Status200OK, new RulesAcceptedResponse(rules.Version, [.. rules.Rules.Select(r => r.Id)]),
            s_json.RulesAcceptedResponse).ConfigureAwait(false);
    }

    /// <summary>The rule file syntax a request's Content-Type names; anything else is detected from the text.</summary>
    internal static RuleFileFormat FormatOf(string? contentType)
    {
        var type = contentType?.Split(';')[0].Trim() ?? string.Empty;
        if (type.EndsWith("json", StringComparison.OrdinalIgnoreCase))
        {
            return RuleFileFormat.Json;
        }

        return type.EndsWith("yaml", StringComparison.OrdinalIgnoreCase) || type.EndsWith("yml", StringComparison.OrdinalIgnoreCase)
            ? RuleFileFormat.Yaml
            : RuleFileFormat.Auto;
    }

    private static Task BadRequestAsync(HttpContext context, string error) => PipelineApi.BadRequestAsync(context, error);

    private static Task WriteJsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> typeInfo)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(value, typeInfo, "application/json; charset=utf-8", context.RequestAborted);
    }
}
