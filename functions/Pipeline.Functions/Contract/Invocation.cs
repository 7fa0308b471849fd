using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Processing;

namespace Pipeline.Functions.Contract;

/// <summary>
/// What every non-HTTP function does with its invocation: read the host's payload (an unreadable one answers 400, which
/// the host does not retry into success), run the work, log it, and answer with the invocation's log lines. A 200 is sent
/// only after the work is done; any failure answers 500, which fails the invocation so the function's retry policy runs
/// it again (the Event Hubs trigger checkpoints failed batches).
/// </summary>
internal static partial class Invocation
{
    /// <param name="function">The function's name, as in its folder and the host's logs.</param>
    /// <param name="parse">Reads the payload; throws <see cref="InvocationFormatException"/> when it cannot.</param>
    /// <param name="work">Runs the invocation and returns its log lines.</param>
    /// <param name="failure">The log line of a failed invocation.</param>
    public static async Task RunAsync<T>(HttpContext context, ILogger logger, string function,
        Func<ReadOnlyMemory<byte>, T> parse, Func<T, CancellationToken, Task<IReadOnlyList<string>>> work, Func<T, Exception, string> failure)
    {
        var cancellationToken = context.RequestAborted;
        var body = await RequestBody.ReadAsync(context.Request, cancellationToken).ConfigureAwait(false);
        T payload;
        try
        {
            payload = parse(body);
        }
        catch (InvocationFormatException ex)
        {
            LogRejected(logger, function, ex.Message);
            await WriteAsync(context, StatusCodes.Status400BadRequest, [function + " rejected the invocation: " + ex.Message]).ConfigureAwait(false);
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
                $"Publishing alerts failed; {r.AlertsInOutbox} stay in the persisted outbox for the next batch or Sweep: {error}"));
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
