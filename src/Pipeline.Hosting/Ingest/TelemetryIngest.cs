using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Local;

namespace Pipeline.Hosting.Ingest;

/// <summary>
/// HTTP ingest endpoints: <c>POST /telemetry</c> takes one JSON object, a JSON array of objects
/// (<c>application/json</c>) or NDJSON (<c>application/x-ndjson</c>); <c>GET /health</c> reports liveness and counts.
/// Good records are processed before the response is sent. Bad records are dead-lettered with their raw text and
/// reason and named in a 400 problem+json (RFC 9457) response, while the good records of the same request still count.
/// Nothing here depends on the shell that serves it: any ASP.NET Core host maps it with <see cref="Map"/>.
/// </summary>
/// <param name="now">Processing time of a request (the shell's clock).</param>
/// <param name="maxRecords">Most records one request may hold; a request with more is answered 413 and nothing in it is taken.</param>
/// <param name="processingFailed">Told the whole failure when the stores fail a request (the answer gives its first line only).</param>
public sealed class TelemetryIngest(PartitionedProcessor ingress, Func<DateTimeOffset> now, long maxBodyBytes,
    int maxRecords = TelemetryIngest.DefaultMaxRecords, Action<Exception>? processingFailed = null)
{
    public const string Source = "http";

    /// <summary>The records-per-request limit of docs/limits.md: it bounds the decoding and dead-letter work of one request.</summary>
    public const int DefaultMaxRecords = 10_000;

    private const int MaxListedErrors = 100;
    private static readonly string[] LineTypes = ["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"];

    private readonly PartitionedProcessor _ingress = ingress ?? throw new ArgumentNullException(nameof(ingress));
    private readonly Func<DateTimeOffset> _now = now ?? throw new ArgumentNullException(nameof(now));
    private readonly long _maxBodyBytes = maxBodyBytes;
    private readonly int _maxRecords = maxRecords >= 1 ? maxRecords : throw new ArgumentOutOfRangeException(nameof(maxRecords), maxRecords, "At least one record per request.");
    private long _accepted;
    private long _rejected;

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Maps <c>GET /health</c> and, with <paramref name="acceptTelemetry"/>, <c>POST /telemetry</c>.</summary>
    public void Map(IEndpointRouteBuilder endpoints, bool acceptTelemetry = true)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (acceptTelemetry)
        {
            endpoints.MapPost("/telemetry", PostTelemetryAsync);
        }

        endpoints.MapGet("/health", GetHealthAsync);
    }

    private Task GetHealthAsync(HttpContext context) =>
        WriteJsonAsync(context, StatusCodes.Status200OK, "application/json", w =>
        {
            w.WriteString("status", "healthy");
            w.WriteNumber("accepted", Accepted);
            w.WriteNumber("rejected", Rejected);
            w.WriteNumber("partitions", _ingress.PartitionCount);
        });

    private async Task PostTelemetryAsync(HttpContext context)
    {
        var request = context.Request;
        var ct = context.RequestAborted;
        if (!TryGetBodyKind(request.ContentType, out var lines))
        {
            await ProblemAsync(context, StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported content type",
                $"Send application/json (one object or an array of objects) or application/x-ndjson (one object per line), in UTF-8; got '{request.ContentType ?? "no Content-Type"}'.").ConfigureAwait(false);
            return;
        }

        var body = await ReadBodyAsync(request, ct).ConfigureAwait(false);
        if (body is null)
        {
            await ProblemAsync(context, StatusCodes.Status413PayloadTooLarge, "payload-too-large", "Request body too large",
                string.Create(CultureInfo.InvariantCulture, $"The body is larger than the limit of {_maxBodyBytes} bytes; send smaller batches.")).ConfigureAwait(false);
            return;
        }

        var now = _now();
        BodySyntaxError? syntax = null;
        var records = lines ? TelemetryBody.SplitLines(body.Value) : TelemetryBody.SplitJson(body.Value, out syntax);
        if (syntax is not null)
        {
            // The array itself is broken, so which bytes form which record is unknown: keep the whole body, accept nothing.
            await _ingress.RejectAsync(Source, [(body.Value, new DecodeFailure(DecodeError.NotJson, syntax.Message))], now, ct).ConfigureAwait(false);
            Interlocked.Increment(ref _rejected);
            await ProblemAsync(context, StatusCodes.Status400BadRequest, "malformed-json", "Malformed JSON body",
                string.Create(CultureInfo.InvariantCulture,
                    $"The body is not valid JSON at line {syntax.Line}, byte {syntax.BytePosition} (in record {syntax.Index}): {syntax.Message}. Nothing in this request was accepted; the body was kept as a dead letter."),
                w =>
                {
                    w.WriteNumber("accepted", 0);
                    w.WriteNumber("rejected", 1);
                    w.WriteNumber("index", syntax.Index ?? 0);
                }).ConfigureAwait(false);
            return;
        }

        if (records.Count > _maxRecords)
        {
            await ProblemAsync(context, StatusCodes.Status413PayloadTooLarge, "too-many-records", "Too many records in the request",
                string.Create(CultureInfo.InvariantCulture,
                    $"The body holds {records.Count} records; at most {_maxRecords} are taken per request. Nothing in this request was accepted; send smaller batches."),
                w =>
                {
                    w.WriteNumber("records", records.Count);
                    w.WriteNumber("maxRecords", _maxRecords);
                }).ConfigureAwait(false);
            return;
        }

        if (records.Count == 0 && lines)
        {
            await ProblemAsync(context, StatusCodes.Status400BadRequest, "invalid-telemetry", "No telemetry in the body",
                "The NDJSON body has no records: send one JSON object per line.").ConfigureAwait(false);
            return;
        }

        var good = new List<Telemetry>(records.Count);
        var bad = new List<(BodyRecord Record, DecodeFailure Failure)>();
        foreach (var record in records)
        {
            if (_ingress.TryDecode(record.Bytes, out var telemetry, out var failure))
            {
                good.Add(telemetry!);
            }
            else
            {
                bad.Add((record, failure));
            }
        }

        try
        {
            await _ingress.RejectAsync(Source, [.. bad.Select(b => (b.Record.Bytes, b.Failure))], now, ct).ConfigureAwait(false);
            await _ingress.SubmitAsync(good, now, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The state store or dead-letter store failed: nothing is confirmed, so the client should send again. The
            // processor forgot what this request applied, so the resend counts each record once. Storage errors carry
            // request ids and headers after their first line: those go to the shell, not into the answer.
            processingFailed?.Invoke(ex);
            await ProblemAsync(context, StatusCodes.Status503ServiceUnavailable, "processing-failed", "Telemetry could not be processed",
                $"Processing failed ({FirstLine(ex)}); send the request again.").ConfigureAwait(false);
            return;
        }

        Interlocked.Add(ref _accepted, good.Count);
        Interlocked.Add(ref _rejected, bad.Count);
        if (bad.Count == 0)
        {
            await WriteJsonAsync(context, StatusCodes.Status200OK, "application/json", w =>
            {
                w.WriteNumber("accepted", good.Count);
                w.WriteNumber("rejected", 0);
            }).ConfigureAwait(false);
            return;
        }

        var first = bad[0];
        var detail = bad.Count == 1
            ? string.Create(CultureInfo.InvariantCulture, $"Record {first.Record.Index} (line {first.Record.Line}) is not valid telemetry: {first.Failure.Detail.TrimEnd('.')}.")
            : string.Create(CultureInfo.InvariantCulture, $"{bad.Count} records are not valid telemetry; the first is record {first.Record.Index} (line {first.Record.Line}): {first.Failure.Detail.TrimEnd('.')}.");
        detail += string.Create(CultureInfo.InvariantCulture, $" The other {good.Count} record(s) were accepted; the rejected ones were kept as dead letters.");
        await ProblemAsync(context, StatusCodes.Status400BadRequest, "invalid-telemetry", "Invalid telemetry", detail, w =>
        {
            w.WriteNumber("accepted", good.Count);
            w.WriteNumber("rejected", bad.Count);
            w.WriteStartArray("errors");
            foreach (var (record, failure) in bad.Take(MaxListedErrors))
            {
                w.WriteStartObject();
                w.WriteNumber("index", record.Index);
                w.WriteNumber("line", record.Line);
                w.WriteString("error", failure.Error.ToString());
                w.WriteString("detail", failure.Detail);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (bad.Count > MaxListedErrors)
            {
                w.WriteNumber("errorsNotListed", bad.Count - MaxListedErrors);
            }
        }).ConfigureAwait(false);
    }

    private static string FirstLine(Exception ex)
    {
        var message = ex.GetBaseException().Message;
        var end = message.AsSpan().IndexOfAny('\r', '\n');
        var line = (end < 0 ? message : message[..end]).Trim();
        return line.Length <= 200 ? line : line[..200];
    }

    /// <summary>application/json → a JSON body; the NDJSON types → lines. Any charset but UTF-8 is refused.</summary>
    private static bool TryGetBodyKind(string? contentType, out bool lines)
    {
        lines = false;
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType is null)
        {
            return false;
        }

        if (media.CharSet is { } charset && !charset.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        lines = LineTypes.Contains(media.MediaType, StringComparer.OrdinalIgnoreCase);
        return lines;
    }

    /// <summary>The body, or null when it is over the limit (read no further than one byte past it).</summary>
    private async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > _maxBodyBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream(request.ContentLength is { } n ? (int)n : 16 * 1024);
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            if (buffer.Length + read > _maxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static Task ProblemAsync(HttpContext context, int status, string type, string title, string detail, Action<Utf8JsonWriter>? extra = null) =>
        WriteJsonAsync(context, status, "application/problem+json", w =>
        {
            w.WriteString("type", "urn:pipeline:problem:" + type);
            w.WriteString("title", title);
            w.WriteNumber("status", status);
            w.WriteString("detail", detail);
            extra?.Invoke(w);
        });

    private static async Task WriteJsonAsync(HttpContext context, int status, string contentType, Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = contentType + "; charset=utf-8";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
