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
using Pipeline.Functions.Contract;

namespace Pipeline.Functions.Api;

/// <summary>
/// The Api function's routes. With <c>enableProxyingHttpRequest</c> the host forwards the caller's request unchanged
/// (after checking the function key), so these are plain HTTP endpoints at the same paths.
/// </summary>
internal static partial class ApiEndpoints
{
    /// <summary>Largest rule file <c>PUT /api/rules</c> accepts.</summary>
    public const int MaxRulesBytes = 1024 * 1024;

    // Responses are application/json, never embedded in HTML: keep quotes and < > readable in rule error messages.
    private static readonly ApiJsonContext s_json = new(new JsonSerializerOptions(ApiJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Map(IEndpointRouteBuilder app, PipelineRuntime runtime, ILogger logger)
    {
        app.MapGet("/api/devices/{id}", context => GuardAsync(context, logger, () => GetDeviceAsync(context, runtime)));
        app.MapGet("/api/alerts", context => GuardAsync(context, logger, () => GetAlertsAsync(context, runtime)));
        app.MapGet("/api/rules", context => GuardAsync(context, logger, () => GetRulesAsync(context, runtime)));
        app.MapPut("/api/rules", context => GuardAsync(context, logger, () => PutRulesAsync(context, runtime)));
        app.MapGet("/api/health", context => GetHealthAsync(context, runtime));
    }

    private static async Task GetDeviceAsync(HttpContext context, PipelineRuntime runtime)
    {
        var id = context.Request.RouteValues["id"] as string ?? string.Empty;
        var ready = await runtime.GetAsync(context.RequestAborted).ConfigureAwait(false);
        var view = await ready.Processor.GetKeyAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (view is null)
        {
            await WriteJsonAsync(context, StatusCodes.Status404NotFound, new ErrorResponse($"No device '{id}' has been seen."), s_json.ErrorResponse).ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK, view, s_json.KeyView).ConfigureAwait(false);
    }

    private static async Task GetAlertsAsync(HttpContext context, PipelineRuntime runtime)
    {
        var query = context.Request.Query;
        var status = query["status"].ToString();
        bool firingOnly;
        switch (status)
        {
            case "" or "firing":
                firingOnly = true;
                status = "firing";
                break;
            case "all":
                firingOnly = false;
                break;
            default:
                await BadRequestAsync(context, $"status must be 'firing' or 'all', not '{status}'.").ConfigureAwait(false);
                return;
        }

        DateTimeOffset? since = null;
        if (query["since"].ToString() is { Length: > 0 } sinceText)
        {
            since = InvocationParser.ParseUtc(sinceText);
            if (since is null)
            {
                await BadRequestAsync(context, $"since must be an ISO 8601 time such as 2026-01-01T00:00:00Z, not '{sinceText}'.").ConfigureAwait(false);
                return;
            }
        }

        var max = 1000;
        if (query["max"].ToString() is { Length: > 0 } maxText
            && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max is < 1 or > 1000))
        {
            await BadRequestAsync(context, $"max must be a whole number from 1 to 1000, not '{maxText}'.").ConfigureAwait(false);
            return;
        }

        var ready = await runtime.GetAsync(context.RequestAborted).ConfigureAwait(false);
        var alerts = await ready.Components.History.QueryAsync(new AlertQuery(firingOnly, since, max), context.RequestAborted).ConfigureAwait(false);

        // Each alert is written as the CloudEvent it was published as.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("status", status);
            if (since is { } s)
            {
                writer.WriteString("since", s);
            }

            writer.WriteNumber("count", alerts.Count);
            writer.WriteStartArray("alerts");
            foreach (var alert in alerts)
            {
                alert.WriteTo(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
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
            await WriteJsonAsync(context, StatusCodes.Status413PayloadTooLarge,
                new ErrorResponse($"A rule file may be at most {MaxRulesBytes} bytes."), s_json.ErrorResponse).ConfigureAwait(false);
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

    private static async Task GetHealthAsync(HttpContext context, PipelineRuntime runtime)
    {
        // Never waits for startup: a starting or failed pipeline answers 503 at once with what it knows.
        var ready = runtime.Current;
        var response = ready is null
            ? new HealthResponse(runtime.Status, runtime.Error, null, null, null, null)
            : new HealthResponse("healthy", null, ready.Components.Environment, ready.Processor.Rules.Version, ready.Components.Description, HealthTotals.From(ready.Processor.Totals));
        await WriteJsonAsync(context, ready is null ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK, response,
            s_json.HealthResponse).ConfigureAwait(false);
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

    private static async Task GuardAsync(HttpContext context, ILogger logger, Func<Task> handler)
    {
        try
        {
            await handler().ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
        {
            LogApiFailed(logger, context.Request.Method, context.Request.Path.Value ?? string.Empty, ex);
            await WriteJsonAsync(context, StatusCodes.Status500InternalServerError, new ErrorResponse(ex.GetBaseException().Message),
                s_json.ErrorResponse).ConfigureAwait(false);
        }
    }

    private static Task BadRequestAsync(HttpContext context, string error) =>
        WriteJsonAsync(context, StatusCodes.Status400BadRequest, new ErrorResponse(error), s_json.ErrorResponse);

    private static Task WriteJsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> typeInfo)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(value, typeInfo, "application/json; charset=utf-8", context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogApiFailed(ILogger logger, string method, string path, Exception exception);
}
