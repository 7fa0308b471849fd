using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Pipeline.Dashboard.Api;
using Pipeline.Core.Processing;

namespace Pipeline.Functions.Contract;

/// <summary>
/// What every non-HTTP function does with its invocation: read the host's payload (an unreadable one is kept in the
/// dead-letter store by functions that can, else answered 400), run the work, log it, and answer with the invocation's
/// log lines. A 200 is sent
/// only after the work is done; any failure answers 500, which fails the invocation so the function's retry policy runs
/// it again (the Event Hubs trigger checkpoints failed batches).
/// </summary>
internal static partial class Invocation
{
    /// <param name="function">The function's name, as in its folder and the host's logs.</param>
    /// <param name="parse">Reads the payload; throws <see cref="InvocationFormatException"/> when it cannot.</param>
    /// <param name="work">Runs the invocation and returns its log lines.</param>
    /// <param name="failure">The log line of a failed invocation.</param>
    /// <param name="unreadable">
    /// Keeps a body <paramref name="parse"/> cannot read (with the reason) and returns the log lines; the invocation then
    /// succeeds, because retrying the same bytes can never succeed. Without it such a body is answered 400.
    /// </param>
    public static async Task RunAsync<T>(HttpContext context, ILogger logger, string function,
        Func<ReadOnlyMemory<byte>, T> parse, Func<T, CancellationToken, Task<IReadOnlyList<string>>> work, Func<T, Exception, string> failure,
        Func<ReadOnlyMemory<byte>, string, CancellationToken, Task<IReadOnlyList<string>>>? unreadable = null)
    {
        var cancellationToken = context.RequestAborted;
        var body = await RequestBody.ReadAsync(context.Request, cancellationToken).ConfigureAwait(false);
        T payload;
        try
        {
            payload = parse(body);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Parsing does no I/O: whatever it throws is caused by the bytes themselves.
            var reason = ex is InvocationFormatException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
            LogRejected(logger, function, reason);
            if (unreadable is null)
            {
                await WriteAsync(context, StatusCodes.Status400BadRequest, [function + " rejected the invocation: " + reason]).ConfigureAwait(false);
                return;
            }

            try
            {
                var kept = await unreadable(body, reason, cancellationToken).ConfigureAwait(false);
                await WriteAsync(context, StatusCodes.Status200OK, kept).ConfigureAwait(false);
            }
            catch (Exception keepFailed) when (!cancellationToken.IsCancellationRequested)
            {
                // The dead-letter store is unavailable: a transient failure, so the host retries the invocation.
                LogFailed(logger, function, keepFailed);
                await WriteAsync(context, StatusCodes.Status500InternalServerError,
                    [$"{function} could not read the invocation ({reason}) nor keep it in the dead-letter store; the host retries it: {ErrorReason.Of(keepFailed)}"]).ConfigureAwait(false);
            }

            return;
        }

        try
        {
            var logs = await work(payload, cancellationToken).ConfigureAwait(false);
            await WriteAsync(context, StatusCodes.Status200OK, logs).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, function, ex);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, [failure(payload, ex)]).ConfigureAwait(false);
        }
    }

    /// <summary>The log lines of a processed batch or Sweep: a summary, and the publishing failure if there was one.</summary>
    public static IReadOnlyList<string> Logs(ILogger logger, string what, BatchResult r, InvocationInfo invocation, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(r);
        var d = r.Dispositions;
        var retry = invocation.RetryCount is > 0 and var n ? string.Create(CultureInfo.InvariantCulture, $" (retry {n})") : string.Empty;
        var logs = new List<string>(2)
        {
            string.Create(CultureInfo.InvariantCulture,
                $"{what}: {d.Received} received, {d.Applied} applied, {d.Duplicates} duplicates, {d.DeadLettered} dead-lettered, {d.LateDropped} late dropped; {r.Keys} keys, {r.StateWrites} state writes, {r.Conflicts} conflicts; {r.Published.Count} alerts published, {r.AlertsInOutbox} waiting; {elapsed.TotalMilliseconds:0.###} ms{retry}"),
        };
        if (r.PublishError is { } error)
        {
            LogPublishFailed(logger, r.AlertsInOutbox, error);
            logs.Add(string.Create(CultureInfo.InvariantCulture,
                $"Publishing alerts failed; {r.AlertsInOutbox} stay in the persisted outbox for the next batch or Sweep: {ErrorReason.Of(error)}"));
        }

        return logs;
    }

    private static async Task WriteAsync(HttpContext context, int status, IReadOnlyList<string> logs)
    {
        var payload = InvocationResponse.Create(logs);
        context.Response.StatusCode = status;
        context.Response.ContentType = InvocationResponse.ContentType;
        context.Response.ContentLength = payload.Length;
        await context.Response.Body.WriteAsync(payload, context.RequestAborted).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing alerts failed; {Waiting} stay in the outbox: {Error}")]
    private static partial void LogPublishFailed(ILogger logger, int waiting, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function} rejected an invocation it cannot read: {Reason}")]
    private static partial void LogRejected(ILogger logger, string function, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function} failed; the host retries it")]
    private static partial void LogFailed(ILogger logger, string function, Exception exception);
}
