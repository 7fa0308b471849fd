using System.CommandLine;
using System.Globalization;
using Azure;
using Azure.Storage.Queues;
using Pipeline.Azure;
using Pipeline.Azure.Queues;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary>
/// <c>pipeline alerts tail</c>: the alert CloudEvents of the <c>alert-log</c> Storage queue printed as <c>run</c> prints
/// alerts. By default messages are received with a visibility timeout and left in the queue (they reappear after it);
/// <c>--delete</c> consumes them.
/// </summary>
internal static class AlertsCommand
{
    public static Command Create(CliIo io)
    {
        var queueUri = CliOptions.Url("--queue-uri", "Queue URI with Microsoft Entra sign-in, e.g. https://ACCOUNT.queue.core.windows.net/alert-log");
        var queueConnection = CliOptions.Text("--queue-connection", "Connection string for Azurite, e.g. UseDevelopmentStorage=true (queue from --queue)", "STRING");
        var queueName = CliOptions.Text("--queue", "Queue name with --queue-connection (default alert-log)", "NAME");
        var follow = new Option<bool>("--follow") { Description = "Keep reading new messages until Ctrl+C" };
        var delete = new Option<bool>("--delete") { Description = "Delete each message once printed (consume the log); otherwise messages stay and reappear after --visibility" };
        var visibility = CliOptions.Duration("--visibility", "How long a received message stays hidden from other readers when it is left in the queue (default 30s)");
        var poll = CliOptions.Duration("--poll", "Wait between reads of an empty queue with --follow (default 2s)");
        var clientId = CliOptions.Text("--client-id", "Client id of a user-assigned managed identity for Azure sign-in", "ID");
        var tail = new Command("tail", "Print the alert CloudEvents of the alert-log Storage queue as run prints alerts");
        foreach (var option in new Option[] { queueUri, queueConnection, queueName, follow, delete, visibility, poll, clientId })
        {
            tail.Options.Add(option);
        }

        tail.SetAction((parse, ct) =>
        {
            var uri = parse.GetValue(queueUri);
            var connection = parse.GetValue(queueConnection);
            if ((uri is null) == (connection is null))
            {
                throw new UserErrorException("alerts tail needs exactly one of --queue-uri URI (Azure, signed in) or --queue-connection STRING (Azurite)");
            }

            var hidden = parse.GetValue(visibility) ?? TimeSpan.FromSeconds(30);
            var wait = parse.GetValue(poll) ?? TimeSpan.FromSeconds(2);
            if (hidden < TimeSpan.FromSeconds(1) || wait <= TimeSpan.Zero)
            {
                throw new UserErrorException("--visibility must be at least 1s and --poll longer than 0s");
            }

            var queue = connection is not null
                ? new QueueClient(connection, parse.GetValue(queueName) ?? "alert-log")
                : new QueueClient(uri, AzureCredentials.Create(parse.GetValue(clientId)));
            return TailAsync(io, queue, new AlertLogReader(queue, hidden, parse.GetValue(delete)), parse.GetValue(follow), wait, ct);
        });
        var alerts = new Command("alerts", "Read the alert log");
        alerts.Subcommands.Add(tail);
        return alerts;
    }

    private static async Task<int> TailAsync(CliIo io, QueueClient queue, AlertLogReader reader, bool follow, TimeSpan poll, CancellationToken cancellationToken)
    {
        var sink = new ConsoleAlertSink(io.Stdout, io.Color);
        // Messages left in the queue come back after the visibility timeout: print each one once per run.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long printed = 0, unreadable = 0;
        try
        {
            while (true)
            {
                var messages = await reader.ReceiveAsync(cancellationToken).ConfigureAwait(false);
                var fresh = messages.Where(m => seen.Add(m.MessageId)).ToList();
                var alerts = fresh.Where(m => m.Alert is not null).Select(m => m.Alert!).OrderBy(a => a.Time).ToList();
                await sink.PublishAsync(alerts, cancellationToken).ConfigureAwait(false);
                printed += alerts.Count;
                foreach (var bad in fresh.Where(m => m.Alert is null))
                {
                    unreadable++;
                    io.Stderr.WriteLine($"pipeline: message {bad.MessageId} skipped: {bad.Problem}");
                }

                if (fresh.Count > 0)
                {
                    continue;
                }

                if (!follow)
                {
                    break;
                }

                await Task.Delay(poll, io.Context.Time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C ends --follow.
        }
        catch (RequestFailedException ex) when (ex.Status is 403 or 404)
        {
            throw new UserErrorException(ex.Status == 404
                ? $"queue '{queue.Name}' not found at {queue.Uri.GetLeftPart(UriPartial.Authority)}"
                : $"not allowed to read queue '{queue.Name}': the signed-in identity needs the 'Storage Queue Data Message Processor' role on the queue or its account", ex);
        }

        io.Stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pipeline: {printed:N0} alerts printed, {unreadable:N0} messages not alerts"));
        return 0;
    }
}
