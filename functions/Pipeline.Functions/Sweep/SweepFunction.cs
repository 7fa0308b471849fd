using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Pipeline.Functions.Contract;

namespace Pipeline.Functions.Sweep;

/// <summary>
/// <c>POST /Sweep</c>: the timer (function.json beside this file). Advances idle keys to the invocation's time and
/// retries alerts that could not be published.
/// </summary>
internal static partial class SweepFunction
{
    public static void Map(IEndpointRouteBuilder app, PipelineRuntime runtime, TimeProvider time, ILogger logger) =>
        app.MapPost("/Sweep", context => RunAsync(context, runtime, time, logger));

    private static Task RunAsync(HttpContext context, PipelineRuntime runtime, TimeProvider time, ILogger logger)
    {
        var started = time.GetTimestamp();
        return Invocation.RunAsync(context, logger, "Sweep",
            InvocationParser.ParseInvocationInfo,
            async (invocation, cancellationToken) =>
            {
                var ready = await runtime.GetAsync(cancellationToken).ConfigureAwait(false);
                var result = await ready.Processor.SweepAsync(invocation.UtcNow ?? time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                var elapsed = time.GetElapsedTime(started);
                LogSwept(logger, result.Keys, result.Published.Count, result.AlertsInOutbox, elapsed.TotalMilliseconds);
                return Invocation.Logs(logger, "Sweep", result, invocation, elapsed);
            },
            (_, ex) => "Sweep failed: " + ex.GetBaseException().Message);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep: {Keys} keys, {Published} published, {Waiting} waiting in {Milliseconds} ms")]
    private static partial void LogSwept(ILogger logger, int keys, int published, int waiting, double milliseconds);
}
