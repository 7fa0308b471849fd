using System.CommandLine;
using System.Net.Sockets;
using Azure.Identity;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;
using Pipeline.Azure;

namespace Pipeline.Cli.EventHubs;

/// <summary>
/// Which hub to talk to and how to sign in: a namespace with Microsoft Entra ID (DefaultAzureCredential), or the Event
/// Hubs emulator's published development connection string. No other connection string is accepted: Azure hubs are
/// reached with RBAC roles, never with keys.
/// </summary>
internal sealed record HubConnection(string? Namespace, string Hub, string? EmulatorConnection, string? ClientId)
{
    /// <summary>The azd environment value (and Function App setting) naming the namespace.</summary>
    public const string NamespaceVariable = "EventHubConnection__fullyQualifiedNamespace";

    public const string SenderRole = "Azure Event Hubs Data Sender";
    public const string ReceiverRole = "Azure Event Hubs Data Receiver";

    /// <summary>The namespace for messages and position names.</summary>
    public string Where => Namespace ?? "the Event Hubs emulator";

    public EventHubProducerClient CreateProducer() => EmulatorConnection is { } connection
        ? new EventHubProducerClient(connection, Hub)
        : new EventHubProducerClient(Namespace!, Hub, AzureCredentials.Create(ClientId));

    public EventHubConsumerClient CreateConsumer(string consumerGroup) => EmulatorConnection is { } connection
        ? new EventHubConsumerClient(consumerGroup, connection, Hub)
        : new EventHubConsumerClient(consumerGroup, Namespace!, Hub, AzureCredentials.Create(ClientId));

    /// <summary>
    /// A one-line user error for the failures a person can fix (a missing role, sign-in, an unknown namespace, hub or
    /// consumer group), or null for anything else.
    /// </summary>
    public UserErrorException? Explain(Exception exception, string role)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            UnauthorizedAccessException => new UserErrorException(
                $"not allowed on hub '{Hub}' in {Where}: the signed-in identity needs the '{role}' role on the namespace or the hub", exception),
            AuthenticationFailedException or CredentialUnavailableException => new UserErrorException(
                $"cannot sign in to Azure for {Where} ({FirstLine(exception.Message)}); sign in with 'az login' or 'azd auth login'", exception),
            EventHubsException { Reason: EventHubsException.FailureReason.ResourceNotFound } => new UserErrorException(
                $"{Where}: {FirstLine(exception.Message)} (check --hub, --consumer-group and the namespace)", exception),
            SocketException or EventHubsException { InnerException: SocketException } => new UserErrorException(
                $"cannot reach the Event Hubs namespace {Where}: {FirstLine((exception.InnerException ?? exception).Message)}", exception),
            _ => null,
        };
    }

    private static string FirstLine(string text)
    {
        var line = text.ReplaceLineEndings("\n").Split('\n')[0].Trim();
        return line.Length <= 300 ? line : line[..300] + "…";
    }
}

/// <summary>The options that choose a hub, shared by <c>simulate --to eventhubs</c> and <c>run --source eventhubs</c>.</summary>
internal sealed class HubOptions
{
    public Option<string?> Namespace { get; } = CliOptions.Text("--namespace",
        $"Event Hubs namespace, e.g. NAME.servicebus.windows.net (default: the {HubConnection.NamespaceVariable} environment value, as azd sets it); Microsoft Entra sign-in", "HOST");

    public Option<string?> Hub { get; } = CliOptions.Text("--hub", "Event hub name (default telemetry)", "NAME");

    public Option<string?> EmulatorConnection { get; } = CliOptions.Text("--eventhubs-connection",
        "The Event Hubs emulator's development connection string (UseDevelopmentEmulator=true) instead of --namespace", "STRING");

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Namespace);
        command.Options.Add(Hub);
        command.Options.Add(EmulatorConnection);
    }

    /// <summary>The hub chosen on the command line or in the environment; a user error names what is missing or wrong.</summary>
    public HubConnection Read(ParseResult parse, string? clientId)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var hub = parse.GetValue(Hub) ?? "telemetry";
        if (parse.GetValue(EmulatorConnection) is { } connection)
        {
            if (parse.GetValue(Namespace) is not null)
            {
                throw new UserErrorException("give either --namespace or --eventhubs-connection, not both");
            }

            if (!connection.Contains("UseDevelopmentEmulator=true", StringComparison.OrdinalIgnoreCase))
            {
                throw new UserErrorException("--eventhubs-connection takes only the emulator's development connection string (with UseDevelopmentEmulator=true); reach Azure with --namespace and Microsoft Entra sign-in");
            }

            return new HubConnection(null, hub, connection, clientId);
        }

        var name = parse.GetValue(Namespace) ?? Environment.GetEnvironmentVariable(HubConnection.NamespaceVariable);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new UserErrorException($"Event Hubs needs --namespace NAME.servicebus.windows.net (or {HubConnection.NamespaceVariable} in the environment, e.g. from 'azd env get-values'), or --eventhubs-connection for the emulator");
        }

        return new HubConnection(NormalizeNamespace(name), hub, null, clientId);
    }

    /// <summary>A bare name gets the public cloud's suffix; <c>sb://HOST/</c> (as in the portal) becomes HOST.</summary>
    public static string NormalizeNamespace(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var host = value.Trim();
        if (Uri.TryCreate(host, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.Host))
        {
            host = uri.Host;
        }

        return host.Contains('.', StringComparison.Ordinal) ? host : host + ".servicebus.windows.net";
    }
}
