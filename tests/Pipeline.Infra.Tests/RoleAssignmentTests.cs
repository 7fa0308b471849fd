using System.Text.RegularExpressions;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests;

/// <summary>Every role assignment in the compiled template: role, principal, scope, condition, name.</summary>
public partial class RoleAssignmentTests
{
    private const string AppIdentity = "resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('names').identity)";
    private const string IotHubIdentity = "resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('names').iotHubIdentity)";
    private const string Topic = "resourceId('Microsoft.EventGrid/topics', variables('names').eventGridTopic)";

    private const string AppPrincipal = $"reference({AppIdentity}, '2024-11-30').principalId";
    private const string IotHubPrincipal = $"reference({IotHubIdentity}, '2024-11-30').principalId";
    private const string TopicPrincipal = $"reference({Topic}, '2025-02-15', 'full').identity.principalId";
    private const string UserPrincipal = "parameters('principalId')";

    private const string Hub = "resourceId('Microsoft.EventHub/namespaces/eventhubs', variables('names').eventHubNamespace, parameters('eventHubName'))";
    private const string Storage = "resourceId('Microsoft.Storage/storageAccounts', variables('names').storage)";
    private const string AlertQueue = "resourceId('Microsoft.Storage/storageAccounts/queueServices/queues', variables('names').storage, 'default', 'alert-log')";
    private const string AppInsights = "resourceId('Microsoft.Insights/components', variables('names').applicationInsights)";
    private const string IotHub = "resourceId('Microsoft.Devices/IotHubs', variables('names').iotHub)";

    private const string WhenUser = "not(empty(parameters('principalId')))";
    private const string WhenIotHub = "parameters('iotHubEnabled')";

    private sealed record Assignment(string RoleId, string Principal, string PrincipalType, string Scope, string? Condition, string Name);

    private static readonly Lazy<IReadOnlyList<Assignment>> _assignments = new(() =>
        Bicep.Main.OfType("Microsoft.Authorization/roleAssignments")
            .Select(r => new Assignment(
                RoleGuid().Match(r.Resolve(r.Properties["roleDefinitionId"])).Value,
                r.Resolve(r.Properties["principalId"]),
                r.Resolve(r.Properties["principalType"]),
                r.Resolve(r.Node["scope"]),
                r.Condition,
                r.Resolve(r.Node["name"])))
            .ToList());

    private static IReadOnlyList<Assignment> Assignments => _assignments.Value;

    // (role, principal, principal type, scope, condition)
    public static TheoryData<string, string, string, string, string> Expected => new()
    {
        // The Function App identity: what the host and the handler call.
        { Roles.EventHubsDataReceiver, AppPrincipal, "'ServicePrincipal'", Hub, "" },
        { Roles.StorageBlobDataOwner, AppPrincipal, "'ServicePrincipal'", Storage, "" },
        { Roles.StorageTableDataContributor, AppPrincipal, "'ServicePrincipal'", Storage, "" },
        { Roles.StorageQueueDataContributor, AppPrincipal, "'ServicePrincipal'", Storage, "" },
        { Roles.EventGridDataSender, AppPrincipal, "'ServicePrincipal'", Topic, "" },
        { Roles.MonitoringMetricsPublisher, AppPrincipal, "'ServicePrincipal'", AppInsights, "" },

        // The deploying user (or pipeline principal), when principalId is set.
        { Roles.EventHubsDataReceiver, UserPrincipal, "parameters('principalType')", Hub, WhenUser },
        { Roles.EventHubsDataSender, UserPrincipal, "parameters('principalType')", Hub, WhenUser },
        { Roles.StorageBlobDataOwner, UserPrincipal, "parameters('principalType')", Storage, WhenUser },
        { Roles.StorageTableDataContributor, UserPrincipal, "parameters('principalType')", Storage, WhenUser },
        { Roles.StorageQueueDataContributor, UserPrincipal, "parameters('principalType')", Storage, WhenUser },
        { Roles.EventGridDataSender, UserPrincipal, "parameters('principalType')", Topic, WhenUser },
        { Roles.MonitoringMetricsPublisher, UserPrincipal, "parameters('principalType')", AppInsights, WhenUser },
        { Roles.IotHubDataContributor, UserPrincipal, "parameters('principalType')", IotHub, $"and({WhenIotHub}, {WhenUser})" },

        // IoT Hub routes to the event hub with its own identity.
        { Roles.EventHubsDataSender, IotHubPrincipal, "'ServicePrincipal'", Hub, WhenIotHub },

        // Event Grid delivers to the alert log queue with the topic's own identity.
        { Roles.StorageQueueDataMessageSender, TopicPrincipal, "'ServicePrincipal'", AlertQueue, "" },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public void Role_assignment_exists(string roleId, string principal, string principalType, string scope, string condition)
    {
        var matching = Assignments.Where(a => a.RoleId == roleId && a.Principal == principal).ToList();

        var assignment = Assert.Single(matching);
        Assert.Equal(principalType, assignment.PrincipalType);
        Assert.Equal(scope, assignment.Scope);
        Assert.Equal(condition, assignment.Condition ?? string.Empty);
    }

    [Fact]
    public void There_are_no_other_role_assignments()
    {
        var expected = Expected.Select(row => ((string)row[0], (string)row[1])).ToHashSet();

        Assert.Equal(expected.Count, Assignments.Count);
        Assert.All(Assignments, a => Assert.Contains((a.RoleId, a.Principal), expected));
    }

    [Fact]
    public void Names_are_deterministic_guids_of_scope_principal_and_role()
    {
        Assert.All(Assignments, a =>
        {
            Assert.StartsWith("guid(", a.Name, StringComparison.Ordinal);
            Assert.Contains(a.Scope, a.Name, StringComparison.Ordinal);
            Assert.Contains($"'{a.RoleId}'", a.Name, StringComparison.Ordinal);
            Assert.DoesNotContain("newGuid", a.Name, StringComparison.Ordinal);
            Assert.DoesNotContain("utcNow", a.Name, StringComparison.Ordinal);

            // The principal part is known when the deployment starts: a resource id or a parameter.
            var principalPart = a.Principal switch
            {
                AppPrincipal => AppIdentity,
                IotHubPrincipal => IotHubIdentity,
                TopicPrincipal => Topic,
                _ => a.Principal,
            };
            Assert.Contains(principalPart, a.Name, StringComparison.Ordinal);
        });
        Assert.Equal(Assignments.Count, Assignments.Select(a => a.Name).Distinct().Count());
    }

    [Fact]
    public void Role_definitions_are_built_in_roles_of_the_subscription()
    {
        Assert.All(
            Bicep.Main.OfType("Microsoft.Authorization/roleAssignments"),
            r => Assert.Matches(
                "^subscriptionResourceId\\('Microsoft.Authorization/roleDefinitions', '[0-9a-f-]{36}'\\)$",
                r.Resolve(r.Properties["roleDefinitionId"])));
    }

    [Fact]
    public void Principal_id_defaults_to_the_deployer()
    {
        var principalId = Bicep.Main.Parameters["principalId"]!;

        Assert.Equal("[deployer().objectId]", principalId["defaultValue"]!.GetValue<string>());
    }

    [Fact]
    public void Dependent_resources_wait_for_their_role_assignments()
    {
        // IoT Hub checks its identity-based endpoint at creation: its module waits for the eventhubs
        // module, which holds the sender role. The queue subscription delivers with the topic identity.
        var sender = Bicep.Main.OfType("Microsoft.Authorization/roleAssignments")
            .Single(r => r.Resolve(r.Properties["principalId"]) == IotHubPrincipal);
        var iotHubDeployment = Bicep.Main.OfType("Microsoft.Resources/deployments").Single(d => d.Node["name"]!.GetValue<string>() == "iothub");
        var subscription = Bicep.Main.OfType("Microsoft.EventGrid/topics/eventSubscriptions")
            .Single(s => s.Node["name"]!.GetValue<string>().Contains("'alert-log'", StringComparison.Ordinal));

        Assert.Equal("eventhubs", sender.Scope.Name);
        Assert.Contains(
            iotHubDeployment.Node["dependsOn"]!.AsArray(),
            d => d!.GetValue<string>().EndsWith("'Microsoft.Resources/deployments', 'eventhubs')]", StringComparison.Ordinal));
        Assert.Contains(
            subscription.Node["dependsOn"]!.AsArray(),
            d => d!.GetValue<string>().Contains("Microsoft.Authorization/roleAssignments", StringComparison.Ordinal));
    }

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex RoleGuid();
}
