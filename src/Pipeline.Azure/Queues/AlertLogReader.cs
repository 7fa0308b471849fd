using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Pipeline.Core.Alerts;

namespace Pipeline.Azure.Queues;

/// <summary>One message of the alert log: the alert, or why its body is not one (with the text kept for the report).</summary>
public sealed record AlertLogMessage(string MessageId, AlertEvent? Alert, string? Problem, string Text);

/// <summary>
/// Reads alert CloudEvents from the <c>alert-log</c> Storage queue that Event Grid delivers to. Event Grid's queue
/// messages have been written both as plain JSON (what the quickstart
/// https://learn.microsoft.com/azure/event-grid/custom-event-to-queue-storage once said) and base64-encoded JSON
/// (what queues show today, https://github.com/MicrosoftDocs/azure-docs/issues/102923), so both are accepted.
/// Without <c>delete</c> a received message is left in the queue and becomes visible again after the visibility
/// timeout; with it, each message is deleted once read (consumed).
/// </summary>
public sealed class AlertLogReader(QueueClient queue, TimeSpan visibilityTimeout, bool delete)
{
    /// <summary>The queue service's limit of messages per receive.</summary>
    public const int MaxMessagesPerReceive = 32;

    /// <summary>Receives up to 32 messages; an empty result means the queue has nothing visible right now.</summary>
    public async Task<IReadOnlyList<AlertLogMessage>> ReceiveAsync(CancellationToken cancellationToken)
    {
        var response = await queue.ReceiveMessagesAsync(MaxMessagesPerReceive, visibilityTimeout, cancellationToken).ConfigureAwait(false);
        var result = new List<AlertLogMessage>(response.Value.Length);
        foreach (var message in response.Value)
        {
            result.Add(Decode(message.MessageId, message.Body));
            if (delete)
            {
                // Consumed even when the body is not an alert: it was reported, and leaving it would repeat forever.
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
            }
        }

        return result;
    }

    /// <summary>A message body as an alert: JSON as is, or base64 of JSON.</summary>
    public static AlertLogMessage Decode(string messageId, BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var bytes = body.ToMemory();
        var text = Encoding.UTF8.GetString(bytes.Span);
        var trimmed = text.AsSpan().Trim();
        if (trimmed.Length > 0 && trimmed[0] != '{')
        {
            var buffer = new byte[trimmed.Length];
            if (!Convert.TryFromBase64Chars(trimmed, buffer, out var written))
            {
                return new AlertLogMessage(messageId, null, "the message is neither JSON nor base64-encoded JSON", text);
            }

            bytes = buffer.AsMemory(0, written);
        }

        try
        {
            return new AlertLogMessage(messageId, AlertEvent.Parse(bytes.Span), null, text);
        }
        catch (JsonException ex)
        {
            return new AlertLogMessage(messageId, null, "the message is not an alert CloudEvent: " + ex.Message, text);
        }
    }
}
