using Azure;
using Azure.Storage.Queues;
using Pipeline.Core.Alerts;

namespace Pipeline.Azure.Queues;

/// <summary>What a tail of the alert log printed: alerts, and messages that were not alerts.</summary>
public readonly record struct AlertLogTailResult(long Alerts, long Unreadable);

/// <summary>
/// Tails the alert log: reads it until it is empty (or, with <c>follow</c>, until cancelled, waiting <c>poll</c> between
/// reads of an empty queue) and publishes each read's alerts in time order to a sink (the console). Messages left in
/// the queue come back after their visibility timeout, so each one is handed on once per tail.
/// </summary>
public sealed class AlertLogTail(AlertLogReader reader, IAlertSink sink, TimeProvider time)
{
    /// <summary>Called with each message that is not an alert (it is skipped).</summary>
    public Action<AlertLogMessage>? Skipped { get; init; }

    public async Task<AlertLogTailResult> RunAsync(bool follow, TimeSpan poll, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long printed = 0, unreadable = 0;
        try
        {
            while (true)
            {
                var fresh = (await reader.ReceiveAsync(cancellationToken).ConfigureAwait(false)).Where(m => seen.Add(m.MessageId)).ToList();
                var alerts = fresh.Where(m => m.Alert is not null).Select(m => m.Alert!).OrderBy(a => a.Time).ToList();
                await sink.PublishAsync(alerts, cancellationToken).ConfigureAwait(false);
                printed += alerts.Count;
                foreach (var bad in fresh.Where(m => m.Alert is null))
                {
                    unreadable++;
                    Skipped?.Invoke(bad);
                }

                if (fresh.Count == 0 && !follow)
                {
                    break;
                }

                if (fresh.Count == 0)
                {
                    await Task.Delay(poll, time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancellation ends a follow.
        }

        return new AlertLogTailResult(printed, unreadable);
    }

    /// <summary>A failure to read the queue that the reader can fix (a wrong name, a missing role), in words; else null.</summary>
    public static string? Explain(QueueClient queue, Exception failure)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return failure switch
        {
            RequestFailedException { Status: 404 } => $"queue '{queue.Name}' not found at {queue.Uri.GetLeftPart(UriPartial.Authority)}",
            RequestFailedException { Status: 403 } => $"not allowed to read queue '{queue.Name}': the signed-in identity needs the 'Storage Queue Data Message Processor' role on the queue or its account",
            _ => null,
        };
    }
}
