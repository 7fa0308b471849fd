using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;

namespace Pipeline.Dashboard.Api;

/// <summary>
/// <c>/api/silences</c>: <c>GET</c> lists the silences (<c>?status=all</c> adds expired ones), <c>POST</c> adds one
/// (400 naming each bad field), <c>DELETE /api/silences/{id}</c> ends one now (404 when there is none).
/// </summary>
public static class SilencesApi
{
    /// <summary>Largest silence body read; a silence is a few hundred bytes.</summary>
    private const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapSilencesApi(this IEndpointRouteBuilder app, IPipelineApiSource source, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(source);
        app.MapGet("/api/silences", context => PipelineApi.GuardAsync(context, logger, () => ListAsync(context, source)));
        app.MapPost("/api/silences", context => PipelineApi.GuardAsync(context, logger, () => AddAsync(context, source)));
        app.MapDelete("/api/silences/{id}", context => PipelineApi.GuardAsync(context, logger, () => ExpireAsync(context, source)));
        return app;
    }

    private static DateTimeOffset Now(IPipelineApiSource source) => source.Time.GetUtcNow();

    private static async Task<ISilenceStore?> StoreAsync(HttpContext context, IPipelineApiSource source)
    {
        var store = await source.GetSilencesAsync(context.RequestAborted).ConfigureAwait(false);
        if (store is null)
        {
            await PipelineApi.WriteErrorAsync(context, StatusCodes.Status404NotFound, "This pipeline keeps no silences.").ConfigureAwait(false);
        }

        return store;
    }

    private static async Task ListAsync(HttpContext context, IPipelineApiSource source)
    {
        var status = context.Request.Query["status"].ToString();
        if (status is not ("" or "active" or "all"))
        {
            await PipelineApi.BadRequestAsync(context, $"status must be 'active' (active and still to come) or 'all', not '{status}'.").ConfigureAwait(false);
            return;
        }

        if (await StoreAsync(context, source).ConfigureAwait(false) is not { } store)
        {
            return;
        }

        var now = Now(source);
        var silences = (await store.ListAsync(context.RequestAborted).ConfigureAwait(false)).Where(s => status == "all" || s.EndsAt > now);
        await WriteAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("silences");
            foreach (var s in silences)
            {
                SilenceJson.Write(writer, s);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task AddAsync(HttpContext context, IPipelineApiSource source)
    {
        if (await StoreAsync(context, source).ConfigureAwait(false) is not { } store)
        {
            return;
        }

        JsonDocument body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            if (buffer.Length > MaxBodyBytes)
            {
                await PipelineApi.WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, $"A silence body is at most {MaxBodyBytes} bytes.").ConfigureAwait(false);
                return;
            }

            body = JsonDocument.Parse(buffer.ToArray());
        }
        catch (JsonException ex)
        {
            await InvalidAsync(context, ["body: not JSON: " + ex.Message]).ConfigureAwait(false);
            return;
        }

        var now = Now(source);
        using (body)
        {
            var (silence, errors) = SilenceJson.Read(body.RootElement, SilenceParts.NewId(Guid.NewGuid()), now);
            if (silence is null)
            {
                await InvalidAsync(context, errors).ConfigureAwait(false);
                return;
            }

            try
            {
                await store.AddAsync(silence, now, context.RequestAborted).ConfigureAwait(false);
            }
            catch (SilenceValidationException ex)
            {
                await InvalidAsync(context, ex.Errors).ConfigureAwait(false);
                return;
            }

            context.Response.Headers.Location = "/api/silences/" + Uri.EscapeDataString(silence.Id);
            await WriteAsync(context, StatusCodes.Status201Created, writer => SilenceJson.Write(writer, silence)).ConfigureAwait(false);
        }
    }

    private static async Task ExpireAsync(HttpContext context, IPipelineApiSource source)
    {
        if (await StoreAsync(context, source).ConfigureAwait(false) is not { } store)
        {
            return;
        }

        var id = context.Request.RouteValues["id"] as string ?? string.Empty;
        if (await store.ExpireAsync(id, Now(source), context.RequestAborted).ConfigureAwait(false) is not { } expired)
        {
            await PipelineApi.WriteErrorAsync(context, StatusCodes.Status404NotFound, $"No silence '{id}'.").ConfigureAwait(false);
            return;
        }

        await WriteAsync(context, StatusCodes.Status200OK, writer => SilenceJson.Write(writer, expired)).ConfigureAwait(false);
    }

    /// <summary>400 with <c>error</c> (one line) and <c>errors</c> (one per field, each starting with the field's name).</summary>
    private static Task InvalidAsync(HttpContext context, IReadOnlyList<string> errors) =>
        WriteAsync(context, StatusCodes.Status400BadRequest, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("error", "Invalid silence: " + string.Join("; ", errors));
            writer.WriteStartArray("errors");
            foreach (var e in errors)
            {
                writer.WriteStringValue(e);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });

    private static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, AlertEvent.WriterOptions))
        {
            write(writer);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
