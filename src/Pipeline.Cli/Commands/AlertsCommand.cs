using System.CommandLine;
using Azure.Storage.Queues;
using Pipeline.Azure;
using Pipeline.Azure.Queues;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary>
/// <c>pipeline alerts tail</c>: the alert CloudEvents of the <c>alert-log</c> Storage queue printed as <c>run</c> prints
/// alerts (Pipeline.Azure's <see cref="AlertLogTail"/>). By default messages are received with a visibility timeout and
/// left in the queue (they reappear after it); <c>--delete</c> consumes them.
/// </summary>
internal static class AlertsCommand
{
    private sealed class Settings
    {
        public Uri? QueueUri { get; set; }

        public string? QueueConnection { get; set; }

        public string Queue { get; set; } = "alert-log";

        public bool Follow { get; set; }

        public bool Delete { get; set; }

        public TimeSpan Visibility { get; set; } = TimeSpan.FromSeconds(30);

        public TimeSpan Poll { get; set; } = TimeSpan.FromSeconds(2);

        public string? ClientId { get; set; }
    }

    public static Command Create(CliIo io)
    {
        var tail = new FlagTable<Settings>()
            .Url("--queue-uri", "Queue URI with Microsoft Entra sign-in, e.g. https://ACCOUNT.queue.core.windows.net/alert-log", (s, v) => s.QueueUri = v)
            .Text("--queue-connection", "Connection string for Azurite, e.g. UseDevelopmentStorage=true (queue from --queue)", "STRING", (s, v) => s.QueueConnection = v)
            .Text("--queue", "Queue name with --queue-connection (default alert-log)", "NAME", (s, v) => s.Queue = v)
            .Switch("--follow", "Keep reading new messages until Ctrl+C", (s, v) => s.Follow = v)
            .Switch("--delete", "Delete each message once printed (consume the log); otherwise messages stay and reappear after --visibility", (s, v) => s.Delete = v)
            .Duration("--visibility", "How long a received message stays hidden from other readers when it is left in the queue (default 30s)", (s, v) => s.Visibility = v)
            .Duration("--poll", "Wait between reads of an empty queue with --follow (default 2s)", (s, v) => s.Poll = v)
            .Text("--client-id", "Client id of a user-assigned managed identity for Azure sign-in", "ID", (s, v) => s.ClientId = v)
            .Command("tail", "Print the alert CloudEvents of the alert-log Storage queue as run prints alerts", (s, ct) => TailAsync(io, s, ct));
        var alerts = new Command("alerts", "Read the alert log");
        alerts.Subcommands.Add(tail);
        return alerts;
    }

    private static async Task<int> TailAsync(CliIo io, Settings s, CancellationToken cancellationToken)
    {
        if ((s.QueueUri is null) == (s.QueueConnection is null))
        {
            throw new UserErrorException("alerts tail needs exactly one of --queue-uri URI (Azure, signed in) or --queue-connection STRING (Azurite)");
        }

        if (s.Visibility < TimeSpan.FromSeconds(1) || s.Poll <= TimeSpan.Zero)
        {
            throw new UserErrorException("--visibility must be at least 1s and --poll longer than 0s");
        }

        var queue = s.QueueConnection is { } connection ? new QueueClient(connection, s.Queue) : new QueueClient(s.QueueUri, AzureCredentials.Create(s.ClientId));
        var tail = new AlertLogTail(new AlertLogReader(queue, s.Visibility, s.Delete), new ConsoleAlertSink(io.Stdout, io.Color), io.Context.Time)
        {
            Skipped = bad => io.Stderr.WriteLine($"pipeline: message {bad.MessageId} skipped: {bad.Problem}"),
        };
        try
        {
            var result = await tail.RunAsync(s.Follow, s.Poll, cancellationToken).ConfigureAwait(false);
            io.Stderr.WriteLine(Text.Invariant($"pipeline: {result.Alerts:N0} alerts printed, {result.Unreadable:N0} messages not alerts"));
            return 0;
        }
        catch (Exception ex) when (AlertLogTail.Explain(queue, ex) is { } message)
        {
            throw new UserErrorException(message, ex);
        }
    }
}
