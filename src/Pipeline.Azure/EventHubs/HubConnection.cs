using System.Net.Sockets;
using Azure.Identity;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;

namespace Pipeline.Azure.EventHubs;

/// <summary>
/// Which hub to talk to and how to sign in: a namespace with Microsoft Entra ID (DefaultAzureCredential), or the Event
/// Hubs emulator's published development connection string. No other connection string is accepted: Azure hubs are
/// reached with RBAC roles, never with keys.
/// </summary>
public sealed record HubConnection(string? Namespace, string Hub, string? EmulatorConnection, string? ClientId)
{
    /// <summary>The azd environment value (and Function App setting) naming the namespace.</summary>
    public const string NamespaceVariable = "EventHubConnection__fullyQualifiedNamespace";

    public const string SenderRole = "Azure Event Hubs Data Sender";
    public const string ReceiverRole = "Azure Event Hubs Data Receiver";

    /// <summary>The namespace for messages and position names.</summary>
    public string Where => Namespace ?? "the Event Hubs emulator";

    /// <summary>Whether <paramref name="connection"/> is the emulator's development connection string, the only one accepted.</summary>
    public static bool IsEmulatorConnection(string connection) =>
        connection?.Contains("UseDevelopmentEmulator=true", StringComparison.OrdinalIgnoreCase) == true;

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

    public EventHubProducerClient CreateProducer() => EmulatorConnection is { } connection
        ? new EventHubProducerClient(connection, Hub)
        : new EventHubProducerClient(Namespace!, Hub, AzureCredentials.Create(ClientId));

    public EventHubConsumerClient CreateConsumer(string consumerGroup) => EmulatorConnection is { } connection
        ? new EventHubConsumerClient(consumerGroup, connection, Hub)
        : new EventHubConsumerClient(consumerGroup, Namespace!, Hub, AzureCredentials.Create(ClientId));

    /// <summary>
    /// One line for the failures a person can fix (a missing role, sign-in, an unknown namespace, hub or consumer
    /// group), or null for anything else.
    /// </summary>
    public string? Explain(Exception exception, string role)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            UnauthorizedAccessException =>
                $"not allowed on hub '{Hub}' in {Where}: the signed-in identity needs the '{role}' role on the namespace or the hub",
            AuthenticationFailedException or CredentialUnavailableException =>
                $"cannot sign in to Azure for {Where} ({FirstLine(exception.Message)}); sign in with 'az login' or 'azd auth login'",
            EventHubsException { Reason: EventHubsException.FailureReason.ResourceNotFound } =>
                $"{Where}: {FirstLine(exception.Message)} (check --hub, --consumer-group and the namespace)",
            SocketException or EventHubsException { InnerException: SocketException } =>
                $"cannot reach the Event Hubs namespace {Where}: {FirstLine((exception.InnerException ?? exception).Message)}",
            _ => null,
        };
    }

    private static string FirstLine(string text)
    {
        var line = text.ReplaceLineEndings("\n").Split('\n')[0].Trim();
        return line.Length <= 300 ? line : line[..300] + "…";
    }
}
