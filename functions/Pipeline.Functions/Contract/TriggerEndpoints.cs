using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Processing;

namespace Pipeline.Functions.Contract;

/// <summary>
/// The non-HTTP functions: the host posts <c>POST /Ingest</c> (Event Hubs) and <c>POST /Sweep</c> (timer). A 200 is
/// sent only after the processor has persisted every key of the batch; any failure answers non-2xx, which fails the
/// invocation so the function's retry policy runs the batch again (the Event Hubs trigger checkpoints failed batches).
/// </summary>
internal static partial class TriggerEndpoints
{
    public static void Map(IEndpointRouteBuilder app, PipelineRuntime runtime, TimeProvider time, ILogger logger)
    {
        app.MapPost("/Ingest", context => IngestAsync(context, runtime, time, logger));
        app.MapPost("/Sweep", context => SweepAsync(context, runtime, time, logger));
    }

    private static async Task IngestAsync(HttpContext context, PipelineRuntime runtime, TimeProvider time, ILogger logger)
    {
        var started = time.GetTimestamp();
        var cancellationToken = context.RequestAborted;
        var body = await RequestBody.ReadAsync(context.Request, cancellationToken).ConfigureAwait(false);
        var arrival = time.GetUtcNow();
        EventHubBatch batch;
        try
        {
            batch = InvocationParser.ParseEventHubBatch(body, arrival);
        }
        catch (InvocationFormatException ex)
        {
            LogRejected(logger, "Ingest", ex.Message);
            await WriteAsync(context, StatusCodes.Status400BadRequest, ["Ingest rejected the invocation: " + ex.Message]).ConfigureAwait(false);
            return;
        }

        try
        {
            var ready = await runtime.GetAsync(cancellationToken).ConfigureAwait(false);
            var result = await ready.Processor.ProcessAsync(batch.Events, batch.Invocation.UtcNow ?? arrival, cancellationToken).ConfigureAwait(false);
            var elapsed = time.GetElapsedTime(started);
            LogIngested(logger, batch.Partition, result.Received, result.Applied, result.Duplicates, result.DeadLettered, result.Published.Count,
                result.AlertsInOutbox, elapsed.TotalMilliseconds);
            var logs = new List<string>(2) { Summary("Ingest partition " + batch.Partition, result, batch.Invocation, elapsed) };
            if (result.PublishError is { } error)
            {
                LogPublishFailed(logger, result.AlertsInOutbox, error);
                logs.Add(PublishFailure(result, error));
            }

            await WriteAsync(context, StatusCodes.Status200OK, logs).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, "Ingest", ex);
            await WriteAsync(context, StatusCodes.Status500InternalServerError,
                [$"Ingest partition {batch.Partition} failed; the host retries the batch: {ex.GetBaseException().Message}"]).ConfigureAwait(false);
        }
    }

    private static async Task SweepAsync(HttpContext context, PipelineRuntime runtime, TimeProvider time, ILogger logger)
    {
        var started = time.GetTimestamp();
        var cancellationToken = context.RequestAborted;
        var body = await RequestBody.ReadAsync(context.Request, cancellationToken).ConfigureAwait(false);
        InvocationInfo invocation;
        try
        {
            invocation = InvocationParser.ParseInvocationInfo(body);
        }
        catch (InvocationFormatException ex)
        {
            LogRejected(logger, "Sweep", ex.Message);
            await WriteAsync(context, StatusCodes.Status400BadRequest, ["Sweep rejected the invocation: " + ex.Message]).ConfigureAwait(false);
            return;
        }

        try
        {
            var ready = await runtime.GetAsync(cancellationToken).ConfigureAwait(false);
            var result = await ready.Processor.SweepAsync(invocation.UtcNow ?? time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            var elapsed = time.GetElapsedTime(started);
            LogSwept(logger, result.Keys, result.Published.Count, result.AlertsInOutbox, elapsed.TotalMilliseconds);
            var logs = new List<string>(2) { Summary("Sweep", result, invocation, elapsed) };
            if (result.PublishError is { } error)
            {
                LogPublishFailed(logger, result.AlertsInOutbox, error);
                logs.Add(PublishFailure(result, error));
            }

            await WriteAsync(context, StatusCodes.Status200OK, logs).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, "Sweep", ex);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, ["Sweep failed: " + ex.GetBaseException().Message]).ConfigureAwait(false);
        }
    }

    private static string Summary(string what, BatchResult r, InvocationInfo invocation, TimeSpan elapsed)
    {
        var retry = invocation.RetryCount is > 0 and var n ? string.Create(CultureInfo.InvariantCulture, $" (retry {n})") : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"{what}: {r.Received} received, {r.Applied} applied, {r.Duplicates} duplicates, {r.DeadLettered} dead-lettered, {r.LateDropped} late dropped; {r.Keys} keys, {r.StateWrites} state writes, {r.Conflicts} conflicts; {r.Published.Count} alerts published, {r.AlertsInOutbox} waiting; {elapsed.TotalMilliseconds:0.###} ms{retry}");
    }

    private static string PublishFailure(BatchResult r, string error) => string.Create(CultureInfo.InvariantCulture,
        $"Publishing alerts failed; {r.AlertsInOutbox} stay in the persisted outbox for the next batch or Sweep: {error}");

    private static async Task WriteAsync(HttpContext context, int status, IReadOnlyList<string> logs)
    {
        var payload = InvocationResponse.Create(logs);
        context.Response.StatusCode = status;
        context.Response.ContentType = InvocationResponse.ContentType;
        context.Response.ContentLength = payload.Length;
        await context.Response.Body.WriteAsync(payload, context.RequestAborted).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Ingest partition {Partition}: {Received} received, {Applied} applied, {Duplicates} duplicates, {DeadLettered} dead-lettered, {Published} published, {Waiting} waiting in {Milliseconds} ms")]
    private static partial void LogIngested(ILogger logger, string partition, int received, int applied, int duplicates, int deadLettered,
        int published, int waiting, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep: {Keys} keys, {Published} published, {Waiting} waiting in {Milliseconds} ms")]
    private static partial void LogSwept(ILogger logger, int keys, int published, int waiting, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing alerts failed; {Waiting} stay in the outbox: {Error}")]
    private static partial void LogPublishFailed(ILogger logger, int waiting, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function} rejected an invocation it cannot read: {Reason}")]
    private static partial void LogRejected(ILogger logger, string function, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function} failed; the host retries it")]
    private static partial void LogFailed(ILogger logger, string function, Exception exception);
}
