using Pipeline.Azure.EventHubs;

namespace Pipeline.Cli.EventHubs;

/// <summary>The hub chosen by <c>simulate --to eventhubs</c> and <c>run --source eventhubs</c>.</summary>
internal sealed class HubFlags
{
    public string? Namespace { get; set; }

    public string Name { get; set; } = "telemetry";

    public string? EmulatorConnection { get; set; }

    /// <summary>The hub chosen on the command line or in the environment; a user error names what is missing or wrong.</summary>
    public HubConnection Connect(string? clientId)
    {
        var (hub, problem) = HubConnection.Choose(Namespace, Name, EmulatorConnection, clientId);
        return hub ?? throw new UserErrorException(problem switch
        {
            HubChoiceProblem.NamespaceAndEmulator => "give either --namespace or --eventhubs-connection, not both",
            HubChoiceProblem.NotTheEmulator =>
                "--eventhubs-connection takes only the emulator's development connection string (with UseDevelopmentEmulator=true); reach Azure with --namespace and Microsoft Entra sign-in",
            _ => $"Event Hubs needs --namespace NAME.servicebus.windows.net (or {HubConnection.NamespaceVariable} in the environment, e.g. from 'azd env get-values'), or --eventhubs-connection for the emulator",
        });
    }

    /// <summary>Runs <paramref name="action"/>, telling the hub failures a person can fix as a user error.</summary>
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

internal interface IHubSettings
{
    HubFlags Hub { get; }
}

internal static class HubFlagRows
{
    public static FlagTable<T> HubFlags<T>(this FlagTable<T> flags)
        where T : IHubSettings, new() => flags
        .Text("--namespace", $"Event Hubs namespace, e.g. NAME.servicebus.windows.net (default: the {HubConnection.NamespaceVariable} environment value, as azd sets it); Microsoft Entra sign-in",
            "HOST", (s, v) => s.Hub.Namespace = v)
        .Text("--hub", "Event hub name (default telemetry)", "NAME", (s, v) => s.Hub.Name = v)
        .Text("--eventhubs-connection", "The Event Hubs emulator's development connection string (UseDevelopmentEmulator=true) instead of --namespace",
            "STRING", (s, v) => s.Hub.EmulatorConnection = v);
}
