using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Pipeline.Dashboard.Api;
using Pipeline.Functions.Contract;

namespace Pipeline.Functions.Sweep;

/// <summary>
/// <c>POST /Sweep</c>: the timer (function.json beside this file). Advances idle keys to the invocation's time and
/// retries alerts that could not be published (whatever the delivery backoff, since the timer is its own interval),
/// then applies the retention settings at most once per <c>Pipeline:Retention:Interval</c>.
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
                var now = invocation.UtcNow ?? time.GetUtcNow();
                var result = await ready.Processor.SweepAsync(now, cancellationToken).ConfigureAwait(false);
                if (ready.Health is { } health)
                {
                    foreach (var sent in await health.EvaluateAsync(now, cancellationToken).ConfigureAwait(false))
                    {
                        LogHealth(logger, sent.Type, sent.Data.RuleId, sent.Data.Value, sent.Data.Threshold);
                    }
                }

                // After the Sweep's own work, so a slow purge never delays heartbeats or the outbox retries.
                var removed = await runtime.ApplyRetentionIfDueAsync(ready, now, cancellationToken).ConfigureAwait(false);
                var elapsed = time.GetElapsedTime(started);
                LogSwept(logger, result.Keys, result.Published.Count, result.AlertsInOutbox, elapsed.TotalMilliseconds);
                var logs = Invocation.Logs(logger, "Sweep", result, invocation, elapsed);
                return removed is { } r
                    ? [.. logs, string.Create(CultureInfo.InvariantCulture, $"Retention removed {r.AlertRecords} alert records, {r.DeadLetters} dead letters and the metric history of {r.Devices} devices")]
                    : logs;
            },
            (_, ex) => "Sweep failed: " + ErrorReason.Of(ex));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health: {Type} {Rule} (value {Value}, threshold {Threshold})")]
    private static partial void LogHealth(ILogger logger, string type, string rule, double? value, double? threshold);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep: {Keys} keys, {Published} published, {Waiting} waiting in {Milliseconds} ms")]
    private static partial void LogSwept(ILogger logger, int keys, int published, int waiting, double milliseconds);
}
