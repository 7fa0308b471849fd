using System.Text.Json.Nodes;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests;

/// <summary>
/// What would break or stall the first `azd up` (issue 11), pinned on the compiled template: the IoT
/// Hub's TLS setting, the order in which its identity, role and hub are created, and the Flex
/// Consumption instance limits.
/// </summary>
public class FirstDeploymentTests
{
    private static ArmTemplate Main => Bicep.Main;

    private static ArmResource Deployment(string name) =>
        Main.OfType("Microsoft.Resources/deployments").Single(d => d.Node["name"]!.GetValue<string>() == name);

    /// <summary>The module names a deployment waits for (its dependsOn on other deployments).</summary>
    private static string[] DeploymentsWaitedFor(string name) =>
        [.. Deployment(name).Node["dependsOn"]!.AsArray()
            .Select(d => d!.GetValue<string>())
            .Where(d => d.Contains("'Microsoft.Resources/deployments', ", StringComparison.Ordinal))
            .Select(d => d[(d.LastIndexOf(", '", StringComparison.Ordinal) + 3)..^3])
            .Order(StringComparer.Ordinal)];

    // Item 1. https://learn.microsoft.com/azure/iot-hub/iot-hub-tls-support, "TLS 1.2 enforcement
    // available in select regions": East US, South Central US, West US 2, US Gov Arizona, US Gov Virginia.
    [Fact]
    public void Iot_hub_enforces_tls_1_2_only_in_the_regions_that_accept_it_at_creation()
    {
        var iotHub = Main.Single("Microsoft.Devices/IotHubs");
        var variables = iotHub.Scope.Template["variables"]!;
        var regions = variables["tls12EnforcementRegions"]!.AsArray().Select(r => r!.GetValue<string>());

        Assert.Equal(["eastus", "southcentralus", "usgovarizona", "usgovvirginia", "westus2"], regions.Order(StringComparer.Ordinal));
        // '1.2' when the hub's own location, normalized the way ARM writes region names ("East US" is
        // eastus), is in the list; otherwise no value, so the service default applies.
        Assert.Equal(
            "if(contains(variables('tls12EnforcementRegions'), toLower(replace(parameters('location'), ' ', ''))), '1.2', null())",
            iotHub.Resolve(iotHub.Properties["minTlsVersion"]));
        Assert.Equal("parameters('location')", iotHub.Resolve(iotHub.Node["location"]));
    }

    // Item 2: the identity and its role are made early; the hub waits for everything else.
    [Fact]
    public void Iot_hub_identity_is_created_at_the_start_with_the_app_identity()
    {
        var identities = Main.OfType("Microsoft.ManagedIdentity/userAssignedIdentities").ToList();
        var iotHubIdentity = Assert.Single(identities, i => i.Resolve(i.Node["name"]) == "variables('names').iotHubIdentity");

        Assert.Equal("iothub-identity", iotHubIdentity.Scope.Name);
        Assert.Equal("parameters('iotHubEnabled')", iotHubIdentity.Condition);
        Assert.Empty(DeploymentsWaitedFor("iothub-identity"));
        Assert.Empty(DeploymentsWaitedFor("identity"));
    }

    [Fact]
    public void Iot_hub_sender_role_is_assigned_as_soon_as_the_event_hub_exists()
    {
        var sender = Main.OfType("Microsoft.Authorization/roleAssignments")
            .Single(r => r.Resolve(r.Properties["principalId"]).Contains("variables('names').iotHubIdentity", StringComparison.Ordinal));

        Assert.Equal("eventhubs", sender.Scope.Name);
        Assert.Equal(Roles.EventHubsDataSender, sender.Resolve(sender.Properties["roleDefinitionId"])[^38..^2]);
        Assert.Contains("iothub-identity", DeploymentsWaitedFor("eventhubs"));

        // Same id as when the role lived in the iothub module, so an existing deployment keeps its assignment.
        Assert.Equal(
            "guid(resourceId('Microsoft.EventHub/namespaces/eventhubs', variables('names').eventHubNamespace, parameters('eventHubName')), "
            + "resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('names').iotHubIdentity), "
            + $"'{Roles.EventHubsDataSender}')",
            sender.Resolve(sender.Node["name"]));
    }

    [Fact]
    public void Iot_hub_is_created_last_so_its_role_has_time_to_propagate()
    {
        var everyOtherModule = Main.OfType("Microsoft.Resources/deployments")
            .Select(d => d.Node["name"]!.GetValue<string>())
            .Where(n => n is not "iothub" and not "identity" and not "monitoring" and not "storage")
            .Order(StringComparer.Ordinal);

        // identity, monitoring and storage are waited for through eventgrid and function.
        Assert.Equal(everyOtherModule, DeploymentsWaitedFor("iothub"));
        Assert.Contains("storage", DeploymentsWaitedFor("eventgrid"));
        Assert.Contains("monitoring", DeploymentsWaitedFor("function"));
    }

    [Fact]
    public void Iot_hub_module_creates_no_identity_and_no_sender_role_of_its_own()
    {
        var inIotHubModule = Main.AllResources().Where(r => r.Scope.Name == "iothub").ToList();

        Assert.Contains(inIotHubModule, r => r.Type == "Microsoft.Devices/IotHubs");
        Assert.DoesNotContain(inIotHubModule, r => r.Type == "Microsoft.ManagedIdentity/userAssignedIdentities");
        Assert.DoesNotContain(
            inIotHubModule,
            r => r.Type == "Microsoft.Authorization/roleAssignments" && r.Resolve(r.Properties["roleDefinitionId"]).Contains(Roles.EventHubsDataSender, StringComparison.Ordinal));
    }

    // The way through a failed first provision is to run `azd provision` again; that only works when
    // every name is the same on the rerun.
    [Fact]
    public void A_rerun_deploys_the_same_names_so_a_retry_updates_in_place()
    {
        var text = Main.Root.ToJsonString();

        Assert.DoesNotContain("newGuid(", text, StringComparison.Ordinal);
        Assert.DoesNotContain("utcNow(", text, StringComparison.Ordinal);
        Assert.All(
            Main.OfType("Microsoft.Resources/deployments"),
            d => Assert.Matches("^[a-z-]+$", d.Node["name"]!.GetValue<string>()));
    }

    // Item 5. The custom runtime's Flex Consumption sku in the functionAppStacks answer has
    // maximumInstanceCount { lowestMaximumInstanceCount: 40, highestMaximumInstanceCount: 1000,
    // defaultValue: 100 } (Azure/azure-powershell, src/Functions/Functions.Autorest/custom/
    // FunctionsStackFlexData/EastAsia/custom.json; tests/Pipeline.Infra.Tests/Recorded/ holds a copy).
    [Fact]
    public void Maximum_instance_count_is_limited_to_what_flex_consumption_accepts()
    {
        var parameter = Main.Parameters["functionMaximumInstanceCount"]!;
        var function = Main.Module("function");
        var inner = function.Template["parameters"]!["maximumInstanceCount"]!;

        Assert.Equal(40, parameter["minValue"]!.GetValue<int>());
        Assert.Equal(1000, parameter["maxValue"]!.GetValue<int>());
        Assert.Equal(100, parameter["defaultValue"]!.GetValue<int>());
        Assert.Equal(40, inner["minValue"]!.GetValue<int>());
        Assert.Equal(1000, inner["maxValue"]!.GetValue<int>());
        Assert.Equal("[parameters('functionMaximumInstanceCount')]", function.DeploymentParameters!["maximumInstanceCount"]!["value"]!.GetValue<string>());
    }

    [Fact]
    public void Instance_limits_match_the_recorded_flex_consumption_answer()
    {
        var answer = JsonNode.Parse(File.ReadAllText(RecordedAnswers.Path("functionAppStacks-custom-eastasia.json")))!;
        var sku = answer["value"]![0]!["properties"]!["majorVersions"]![0]!["minorVersions"]![0]!["stackSettings"]!["linuxRuntimeSettings"]!["Sku"]!
            .AsArray().Single(s => s!["skuCode"]!.GetValue<string>() == "FC1")!;
        var parameter = Main.Parameters["functionMaximumInstanceCount"]!;
        var memory = Main.Parameters["functionInstanceMemoryMB"]!["allowedValues"]!.AsArray().Select(v => v!.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(sku["maximumInstanceCount"]!["lowestMaximumInstanceCount"]!.GetValue<int>(), parameter["minValue"]!.GetValue<int>());
        Assert.Equal(sku["maximumInstanceCount"]!["highestMaximumInstanceCount"]!.GetValue<int>(), parameter["maxValue"]!.GetValue<int>());
        Assert.Equal(sku["maximumInstanceCount"]!["defaultValue"]!.GetValue<int>(), parameter["defaultValue"]!.GetValue<int>());
        Assert.Equal(sku["instanceMemoryMB"]!.AsArray().Select(m => m!["size"]!.GetValue<string>()), memory);
        Assert.Equal("custom", sku["functionAppConfigProperties"]!["runtime"]!["name"]!.GetValue<string>());
        Assert.Equal(
            sku["functionAppConfigProperties"]!["runtime"]!["version"]!.GetValue<string>(),
            Main.Single("Microsoft.Web/sites").Properties["functionAppConfig"]!["runtime"]!["version"]!.GetValue<string>());
    }
}
