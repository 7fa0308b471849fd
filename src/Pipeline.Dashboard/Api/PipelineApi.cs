using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;

namespace Pipeline.Dashboard.Api;

/// <summary>
/// The JSON Api both shells serve at the same paths and with the same shapes: <c>GET /api/devices</c>,
/// <c>/api/devices/{id}</c>, <c>/api/devices/{id}/history</c>, <c>/api/alerts</c> and <c>/api/health</c>.
/// </summary>
public static partial class PipelineApi
{
    /// <summary>Largest page of <c>GET /api/devices</c>.</summary>
    public const int MaxDevicePage = 500;

    // Responses are application/json, never embedded in HTML: keep quotes and < > readable in rule error messages.
    internal static readonly ApiJsonContext Json = new(new JsonSerializerOptions(ApiJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IEndpointRouteBuilder MapPipelineApi(this IEndpointRouteBuilder app, IPipelineApiSource source, ILogger logger, FleetOptions? fleet = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(logger);
        fleet ??= new FleetOptions();
        fleet.Validate();
        app.MapGet("/api/devices", context => GuardAsync(context, logger, () => GetDevicesAsync(context, source, fleet)));
        app.MapGet("/api/devices/{id}", context => GuardAsync(context, logger, () => GetDeviceAsync(context, source)));
        app.MapGet("/api/devices/{id}/history", context => GuardAsync(context, logger, () => GetDeviceHistoryAsync(context, source)));
        app.MapGet("/api/alerts", context => GuardAsync(context, logger, () => GetAlertsAsync(context, source)));
        app.MapGet("/api/health", context => GuardAsync(context, logger, () => GetHealthAsync(context, source)));
        app.MapSilencesApi(source, logger);
        return app;
    }

    private static async Task GetDevicesAsync(HttpContext context, IPipelineApiSource source, FleetOptions options)
    {
        if (!FleetQuery.TryParse(context.Request.Query, out var query, out var error))
        {
            await BadRequestAsync(context, error).ConfigureAwait(false);
            return;
        }

        var history = await source.GetHistoryAsync(context.RequestAborted).ConfigureAwait(false);
        var devices = await history.ListAsync(context.RequestAborted).ConfigureAwait(false);
        var firing = await source.QueryAlertsAsync(new AlertQuery(FiringOnly: true, Since: null, Max: options.MaxFiringAlerts), context.RequestAborted).ConfigureAwait(false);
        var response = FleetView.Build(devices, firing, query, options.SilentAfter);
        await WriteJsonAsync(context, StatusCodes.Status200OK, response, Json.DeviceListResponse).ConfigureAwait(false);
    }

    private static async Task GetDeviceAsync(HttpContext context, IPipelineApiSource source)
    {
        var id = DeviceId(context);
        var view = await source.GetDeviceAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (view is null)
        {
            await WriteJsonAsync(context, StatusCodes.Status404NotFound, new ErrorResponse($"No device '{id}' has been seen."), Json.ErrorResponse).ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK, view, Json.KeyView).ConfigureAwait(false);
    }

    private static async Task GetDeviceHistoryAsync(HttpContext context, IPipelineApiSource source)
    {
        var id = DeviceId(context);
        var history = await source.GetHistoryAsync(context.RequestAborted).ConfigureAwait(false);
        var device = await history.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (device is null)
        {
            await WriteJsonAsync(context, StatusCodes.Status404NotFound, new ErrorResponse($"No history for device '{id}'."), Json.ErrorResponse).ConfigureAwait(false);
            return;
        }

        var rules = await source.GetRulesAsync(context.RequestAborted).ConfigureAwait(false);
        var response = new DeviceHistoryResponse(device.Key, device.LastEventTime, device.Labels, device.Metrics,
            Thresholds.For(rules, device.Key, device.Labels));
        await WriteJsonAsync(context, StatusCodes.Status200OK, response, Json.DeviceHistoryResponse).ConfigureAwait(false);
    }

    private static async Task GetAlertsAsync(HttpContext context, IPipelineApiSource source)
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
            if (!DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            {
                await BadRequestAsync(context, $"since must be an ISO 8601 time such as 2026-01-01T00:00:00Z, not '{sinceText}'.").ConfigureAwait(false);
                return;
            }

            since = parsed;
        }

        var max = 1000;
        if (query["max"].ToString() is { Length: > 0 } maxText
            && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max is < 1 or > 1000))
        {
            await BadRequestAsync(context, $"max must be a whole number from 1 to 1000, not '{maxText}'.").ConfigureAwait(false);
            return;
        }

        var alerts = await source.QueryAlertsAsync(new AlertQuery(firingOnly, since, max), context.RequestAborted).ConfigureAwait(false);

        // Each alert is written as the CloudEvent it was published as.
        var buffer = new ArrayBufferWriter<byte>(1024);
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

    /// <summary>
    /// The device id of <c>/api/devices/{id}…</c>, unescaped from the request target as the client sent it. The
    /// route value cannot be used: the server leaves an escaped slash (<c>%2F</c>) escaped in the path it routes on
    /// and unescapes everything else, so <c>a%2Fb</c> would name a device <c>a%2Fb</c> and the ids <c>a/b</c> and
    /// <c>a%2Fb</c> (sent as <c>a%252Fb</c>) could not be told apart.
    /// </summary>
    internal static string DeviceId(HttpContext context)
    {
        var routed = context.Request.RouteValues["id"] as string ?? string.Empty;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target))
        {
            return routed;
        }

        var path = target.AsSpan();
        var query = path.IndexOfAny('?', '#');
        if (query >= 0)
        {
            path = path[..query];
        }

        const string prefix = "/api/devices/";
        var start = path.LastIndexOf(prefix, StringComparison.OrdinalIgnoreCase);
        if (start < 0)
        {
            return routed;
        }

        var segment = path[(start + prefix.Length)..];
        var end = segment.IndexOf('/');
        return Uri.UnescapeDataString((end < 0 ? segment : segment[..end]).ToString());
    }

    private static Task GetHealthAsync(HttpContext context, IPipelineApiSource source)
    {
        // Never waits for startup: a starting or failed pipeline answers 503 at once with what it knows.
        var health = source.GetHealth();
        return WriteJsonAsync(context, health.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, health.Response, Json.HealthResponse);
    }

    /// <summary>Runs a handler; an unexpected failure is logged and answered with a JSON error, never an HTML stack trace.</summary>
    public static async Task GuardAsync(HttpContext context, ILogger logger, Func<Task> handler)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(handler);
        try
        {
            await handler().ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
        {
            LogApiFailed(logger, context.Request.Method, context.Request.Path.Value ?? string.Empty, ex);
            // The log has the whole exception; the answer only its first line (no request ids or headers).
            await WriteJsonAsync(context, StatusCodes.Status500InternalServerError, new ErrorResponse(ErrorReason.Of(ex)),
                Json.ErrorResponse).ConfigureAwait(false);
        }
    }

    public static Task BadRequestAsync(HttpContext context, string error) =>
        WriteJsonAsync(context, StatusCodes.Status400BadRequest, new ErrorResponse(error), Json.ErrorResponse);

    public static Task WriteErrorAsync(HttpContext context, int status, string error) =>
        WriteJsonAsync(context, status, new ErrorResponse(error), Json.ErrorResponse);

    private static Task WriteJsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> typeInfo)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(value, typeInfo, "application/json; charset=utf-8", context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogApiFailed(ILogger logger, string method, string path, Exception exception);
}
