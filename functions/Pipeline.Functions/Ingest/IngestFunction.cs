using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Pipeline.Functions.Contract;

namespace Pipeline.Functions.Ingest;

/// <summary>
/// <c>POST /Ingest</c>: a batch of one Event Hubs partition (function.json beside this file). Answers 200 only after
/// the processor has persisted every key of the batch.
/// </summary>
internal static partial class IngestFunction
{
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
                var result = await ready.Processor.ProcessAsync(batch.Events, batch.Invocation.UtcNow ?? arrival, cancellationToken).ConfigureAwait(false);
                var elapsed = time.GetElapsedTime(started);
                var d = result.Dispositions;
                LogIngested(logger, batch.Partition, d.Received, d.Applied, d.Duplicates, d.DeadLettered, result.Published.Count,
                    result.AlertsInOutbox, elapsed.TotalMilliseconds);
                return Invocation.Logs(logger, "Ingest partition " + batch.Partition, result, batch.Invocation, elapsed);
            },
            (batch, ex) => $"Ingest partition {batch.Partition} failed; the host retries the batch: {ex.GetBaseException().Message}");
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Ingest partition {Partition}: {Received} received, {Applied} applied, {Duplicates} duplicates, {DeadLettered} dead-lettered, {Published} published, {Waiting} waiting in {Milliseconds} ms")]
    private static partial void LogIngested(ILogger logger, string partition, long received, long applied, long duplicates, long deadLettered,
        int published, int waiting, double milliseconds);
}
