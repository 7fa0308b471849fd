using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Pipeline.Dashboard.Api;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.State;
using Pipeline.Functions.Contract;

namespace Pipeline.Functions.Ingest;

/// <summary>
/// <c>POST /Ingest</c>: a batch of one Event Hubs partition (function.json beside this file). Answers 200 only after
/// the processor has persisted every key of the batch.
/// </summary>
internal static partial class IngestFunction
{
    /// <summary>The partition recorded for an unreadable invocation, whose real partition cannot be read from it.</summary>
    public const string UnreadablePartition = "unreadable-invocation";

    public static void Map(IEndpointRouteBuilder app, PipelineRuntime runtime, TimeProvider time, ILogger logger) =>
        app.MapPost("/Ingest", context => RunAsync(context, runtime, time, logger));

    private static Task RunAsync(HttpContext context, PipelineRuntime runtime, TimeProvider time, ILogger logger)
    {
        var started = time.GetTimestamp();
        var arrival = time.GetUtcNow();
        return Invocation.RunAsync(context, logger, "Ingest",
            body => InvocationParser.ParseEventHubBatch(body, arrival),
            async (batch, cancellationToken) =>
            {
                var ready = await runtime.GetAsync(cancellationToken).ConfigureAwait(false);
                var now = batch.Invocation.UtcNow ?? arrival;
                BatchResult result;
                try
                {
                    result = await ready.Processor.ProcessAsync(batch.Events, now, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (batch.Invocation.IsLastTry && !cancellationToken.IsCancellationRequested)
                {
                    return await KeepLastTryAsync(ready, batch, now, ex, logger, cancellationToken).ConfigureAwait(false);
                }

                var elapsed = time.GetElapsedTime(started);
                var d = result.Dispositions;
                LogIngested(logger, batch.Partition, d.Received, d.Applied, d.Duplicates, d.DeadLettered, result.Published.Count,
                    result.AlertsInOutbox, elapsed.TotalMilliseconds);
                return Invocation.Logs(logger, "Ingest partition " + batch.Partition, result, batch.Invocation, elapsed);
            },
            (batch, ex) => $"Ingest partition {batch.Partition} failed; the host retries the batch: {ErrorReason.Of(ex)}",
            async (body, reason, cancellationToken) =>
            {
                // The bytes cannot become events, so no retry can apply them: keep them whole and let the partition move on.
                var ready = await runtime.GetAsync(cancellationToken).ConfigureAwait(false);
                var source = new SourcePosition(UnreadablePartition, -1, arrival);
                var letter = new DeadLetter(DeadLetter.CreateId(source, body.Span), body.ToArray(), source, DeadLetterReason.UnreadableInvocation,
                    "Ingest could not read the invocation: " + reason, arrival);
                await ready.Components.DeadLetters.AddAsync([letter], cancellationToken).ConfigureAwait(false);
                LogUnreadableKept(logger, body.Length, letter.Id);
                return [string.Create(CultureInfo.InvariantCulture,
                    $"Ingest could not read the invocation ({reason}); its {body.Length} bytes are in the dead-letter store as {letter.Id}")];
            });
    }

    /// <summary>
    /// The batch failed on the last try its retry policy allows; after it the trigger checkpoints past the batch
    /// whatever the answer, so every event of it goes to the dead-letter store with the failure. Events an earlier try
    /// applied are among them; replayed, they count as duplicates by their source position.
    /// </summary>
    private static async Task<IReadOnlyList<string>> KeepLastTryAsync(PipelineRuntime.Ready ready, EventHubBatch batch, DateTimeOffset now,
        Exception failure, ILogger logger, CancellationToken cancellationToken)
    {
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"the batch still failed on retry {batch.Invocation.RetryCount} of {batch.Invocation.MaxRetryCount}: {failure.GetBaseException().Message}");
        var letters = batch.Events
            .Select(e => new DeadLetter(DeadLetter.CreateId(e.Source, e.Body.Span), e.Body, e.Source, DeadLetterReason.RetriesExhausted, detail, now))
            .ToList();
        await ready.Components.DeadLetters.AddAsync(letters, cancellationToken).ConfigureAwait(false);
        LogRetriesExhausted(logger, batch.Partition, letters.Count, failure);
        return [string.Create(CultureInfo.InvariantCulture,
            $"Ingest partition {batch.Partition}: {letters.Count} events dead-lettered after the last retry: {detail}")];
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Ingest partition {Partition}: the last retry failed; {Count} events dead-lettered")]
    private static partial void LogRetriesExhausted(ILogger logger, string partition, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ingest kept an unreadable invocation of {Bytes} bytes in the dead-letter store as {Id}")]
    private static partial void LogUnreadableKept(ILogger logger, int bytes, string id);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Ingest partition {Partition}: {Received} received, {Applied} applied, {Duplicates} duplicates, {DeadLettered} dead-lettered, {Published} published, {Waiting} waiting in {Milliseconds} ms")]
    private static partial void LogIngested(ILogger logger, string partition, long received, long applied, long duplicates, long deadLettered,
        int published, int waiting, double milliseconds);
}
