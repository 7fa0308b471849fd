using System.CommandLine;
using Pipeline.Azure.EventHubs;

namespace Pipeline.Cli.EventHubs;

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

            if (!HubConnection.IsEmulatorConnection(connection))
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

        return new HubConnection(HubConnection.NormalizeNamespace(name), hub, null, clientId);
    }
}

/// <summary>Explains the hub failures a person can fix as a user error.</summary>
internal static class HubErrors
{
    public static async Task RunAsync(HubConnection hub, string role, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (hub.Explain(ex, role) is { } message)
        {
            throw new UserErrorException(message, ex);
        }
    }
}
