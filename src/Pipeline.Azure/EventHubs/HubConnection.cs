using System.Net.Sockets;
using Azure.Identity;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Producer;

namespace Pipeline.Azure.EventHubs;

/// <summary>Why <see cref="HubConnection.Choose"/> found no hub to talk to.</summary>
public enum HubChoiceProblem
{
    None,

    /// <summary>Both a namespace and the emulator's connection string were given.</summary>
    NamespaceAndEmulator,

    /// <summary>A connection string other than the emulator's: Azure hubs are reached with Microsoft Entra sign-in only.</summary>
    NotTheEmulator,

    /// <summary>No namespace given nor in the environment, and no emulator connection.</summary>
    NoNamespace,
}

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

    /// <summary>
    /// The hub to talk to: the emulator's development connection string when one is given, else the namespace given or,
    /// when none is, the one in the <see cref="NamespaceVariable"/> environment value (as azd sets it). Null with the
    /// reason when neither is usable; the caller words the reason in its own terms (flags, settings).
    /// </summary>
    /// <param name="environment">Reads an environment value; null reads the process's environment.</param>
    public static (HubConnection? Connection, HubChoiceProblem Problem) Choose(string? @namespace, string hub, string? emulatorConnection, string? clientId,
        Func<string, string?>? environment = null)
    {
        if (emulatorConnection is not null)
        {
            return @namespace is not null ? (null, HubChoiceProblem.NamespaceAndEmulator)
                : !IsEmulatorConnection(emulatorConnection) ? (null, HubChoiceProblem.NotTheEmulator)
                : (new HubConnection(null, hub, emulatorConnection, clientId), HubChoiceProblem.None);
        }

        var name = @namespace ?? (environment ?? Environment.GetEnvironmentVariable)(NamespaceVariable);
        return string.IsNullOrWhiteSpace(name)
            ? (null, HubChoiceProblem.NoNamespace)
            : (new HubConnection(NormalizeNamespace(name), hub, null, clientId), HubChoiceProblem.None);
    }

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
