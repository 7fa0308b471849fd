using System.Text.Json.Nodes;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests;

/// <summary>Security and shape of each resource in the compiled template.</summary>
public class ResourceTests
{
    private static ArmTemplate Main => Bicep.Main;

    private static bool IsTrue(JsonNode? node) => node is not null && node.GetValue<bool>();

    [Fact]
    public void Deployment_is_at_subscription_scope_with_azd_parameters()
    {
        Assert.Contains("subscriptionDeploymentTemplate.json", Main.Root["$schema"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("string", Main.Parameters["environmentName"]!["type"]!.GetValue<string>());
        Assert.Equal("location", Main.Parameters["location"]!["metadata"]!["azd"]!["type"]!.GetValue<string>());

        var group = Main.Single("Microsoft.Resources/resourceGroups");
        Assert.Equal("parameters('environmentName')", group.Resolve(Main.Root["variables"]!["tags"]!["azd-env-name"]));
        Assert.Equal("variables('tags')", group.Resolve(group.Node["tags"]));
    }

    [Fact]
    public void Names_use_the_abbreviations_and_a_resource_token()
    {
        var abbreviations = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Infra, "abbreviations.json")))!.AsObject();
        var token = Main.Root["variables"]!["resourceToken"]!.GetValue<string>();
        var names = Main.Root["variables"]!["names"]!.AsObject();

        Assert.Equal("[toLower(uniqueString(subscription().id, parameters('environmentName'), parameters('location')))]", token);
        Assert.NotEmpty(abbreviations);
        foreach (var (name, value) in names)
        {
            // Every name can be overridden by a parameter and otherwise uses an abbreviation.
            var text = value!.GetValue<string>();
            Assert.Matches(@"^\[if\(not\(empty\(parameters\('\w+'\)\)\), parameters\('\w+'\), format\(", text);
            Assert.Contains("variables('abbrs').", text, StringComparison.Ordinal);
            Assert.True(name == "resourceGroup" || text.Contains("variables('resourceToken')", StringComparison.Ordinal), name);
        }
    }

    [Fact]
    public void Storage_has_shared_keys_off_tls_1_2_and_https_only()
    {
        var storage = Main.Single("Microsoft.Storage/storageAccounts");
        var p = storage.Properties;

        Assert.False(p["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.False(p["allowBlobPublicAccess"]!.GetValue<bool>());
        Assert.True(IsTrue(p["supportsHttpsTrafficOnly"]));
        Assert.True(IsTrue(p["defaultToOAuthAuthentication"]));
        Assert.Equal("TLS1_2", p["minimumTlsVersion"]!.GetValue<string>());
    }

    [Fact]
    public void Storage_has_the_containers_tables_and_queue_the_app_uses()
    {
        var storage = Main.Module("storage");
        var containers = Main.OfType("Microsoft.Storage/storageAccounts/blobServices/containers").ToList();
        var tables = Main.Single("Microsoft.Storage/storageAccounts/tableServices/tables");
        var queue = Main.Single("Microsoft.Storage/storageAccounts/queueServices/queues");

        // main.bicep keeps the module defaults for containers and tables.
        Assert.Null(storage.DeploymentParameters!["containerNames"]);
        Assert.Null(storage.DeploymentParameters["tableNames"]);
        Assert.Equal(["rules"], storage.DefaultOf("containerNames")!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(
            ["alerts", "deadletters", "metrichistory", "state"],
            storage.DefaultOf("tableNames")!.AsArray().Select(n => n!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal("[length(parameters('tableNames'))]", tables.Node["copy"]!["count"]!.GetValue<string>());
        Assert.Contains(containers, c => c.Resolve(c.Node["name"]).Contains("'deployment'", StringComparison.Ordinal));
        Assert.Contains(containers, c => c.Node["copy"]?["count"]?.GetValue<string>() == "[length(parameters('containerNames'))]");
        Assert.Contains("'alert-log'", queue.Resolve(queue.Node["name"]), StringComparison.Ordinal);
        Assert.All(containers, c => Assert.Equal("None", c.Properties["publicAccess"]!.GetValue<string>()));
    }

    [Fact]
    public void Event_hubs_is_standard_with_local_auth_off()
    {
        var ns = Main.Single("Microsoft.EventHub/namespaces");

        Assert.True(IsTrue(ns.Properties["disableLocalAuth"]));
        Assert.Equal("Standard", ns.Node["sku"]!["name"]!.GetValue<string>());
        Assert.Equal("1.2", ns.Properties["minimumTlsVersion"]!.GetValue<string>());
    }

    [Fact]
    public void Partition_count_parameter_reaches_the_hub()
    {
        var hub = Main.Single("Microsoft.EventHub/namespaces/eventhubs");

        Assert.Equal(8, Main.Parameters["eventHubPartitionCount"]!["defaultValue"]!.GetValue<int>());
        Assert.Equal("parameters('eventHubPartitionCount')", hub.Resolve(hub.Properties["partitionCount"]));
        Assert.EndsWith(", parameters('eventHubName'))", hub.Resolve(hub.Node["name"]), StringComparison.Ordinal);
        Assert.Equal("telemetry", Main.Parameters["eventHubName"]!["defaultValue"]!.GetValue<string>());
    }

    [Fact]
    public void Consumer_groups_for_the_app_and_for_local_runs_exist()
    {
        var groups = Main.OfType("Microsoft.EventHub/namespaces/eventhubs/consumergroups")
            .Select(g => g.Resolve(g.Node["name"]))
            .ToList();

        Assert.Contains(groups, g => g.EndsWith("parameters('eventHubConsumerGroup'))", StringComparison.Ordinal));
        Assert.Contains(groups, g => g.EndsWith("parameters('eventHubLocalConsumerGroup'))", StringComparison.Ordinal));
    }

    [Fact]
    public void Event_grid_topic_takes_cloud_events_with_local_auth_off()
    {
        var topic = Main.Single("Microsoft.EventGrid/topics");

        Assert.Equal("CloudEventSchemaV1_0", topic.Properties["inputSchema"]!.GetValue<string>());
        Assert.True(IsTrue(topic.Properties["disableLocalAuth"]));
        Assert.Equal("SystemAssigned", topic.Node["identity"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void Alert_log_subscription_delivers_to_the_queue_with_the_topic_identity()
    {
        var subscription = Main.OfType("Microsoft.EventGrid/topics/eventSubscriptions")
            .Single(s => s.Resolve(s.Node["name"]).Contains("'alert-log'", StringComparison.Ordinal));
        var delivery = subscription.Properties["deliveryWithResourceIdentity"]!;

        Assert.Null(subscription.Condition);
        Assert.Null(subscription.Properties["destination"]);
        Assert.Equal("CloudEventSchemaV1_0", subscription.Properties["eventDeliverySchema"]!.GetValue<string>());
        Assert.Equal("SystemAssigned", delivery["identity"]!["type"]!.GetValue<string>());
        Assert.Equal("StorageQueue", delivery["destination"]!["endpointType"]!.GetValue<string>());
        Assert.Equal(
            "resourceId('Microsoft.Storage/storageAccounts', variables('names').storage)",
            subscription.Resolve(delivery["destination"]!["properties"]!["resourceId"]));
        Assert.Equal("'alert-log'", subscription.Resolve(delivery["destination"]!["properties"]!["queueName"]));
    }

    [Fact]
    public void Webhook_subscription_is_optional_and_its_url_is_a_secure_parameter()
    {
        var webhook = Main.OfType("Microsoft.EventGrid/topics/eventSubscriptions")
            .Single(s => s.Resolve(s.Node["name"]).Contains("'alert-webhook'", StringComparison.Ordinal));

        Assert.Equal("securestring", Main.Parameters["alertWebhookUrl"]!["type"]!.GetValue<string>());
        Assert.Equal(string.Empty, Main.Parameters["alertWebhookUrl"]!["defaultValue"]!.GetValue<string>());
        Assert.Equal("not(empty(parameters('alertWebhookUrl')))", webhook.Condition);
        Assert.Equal("WebHook", webhook.Properties["destination"]!["endpointType"]!.GetValue<string>());
        Assert.Equal("CloudEventSchemaV1_0", webhook.Properties["eventDeliverySchema"]!.GetValue<string>());
    }

    [Fact]
    public void Monitoring_has_local_auth_off()
    {
        var insights = Main.Single("Microsoft.Insights/components");
        var workspace = Main.Single("Microsoft.OperationalInsights/workspaces");

        Assert.True(IsTrue(insights.Properties["DisableLocalAuth"]));
        Assert.True(IsTrue(workspace.Properties["features"]!["disableLocalAuth"]));
        Assert.Equal(
            "resourceId('Microsoft.OperationalInsights/workspaces', variables('names').logAnalytics)",
            insights.Resolve(insights.Properties["WorkspaceResourceId"]));
    }

    [Fact]
    public void Iot_hub_is_optional_and_routes_device_telemetry_with_its_identity()
    {
        var iotHub = Main.Single("Microsoft.Devices/IotHubs");
        var endpoint = Assert.Single(iotHub.Properties["routing"]!["endpoints"]!["eventHubs"]!.AsArray())!;
        var route = Assert.Single(iotHub.Properties["routing"]!["routes"]!.AsArray())!;
        const string IotIdentity = "resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('names').iotHubIdentity)";

        Assert.True(Main.Parameters["iotHubEnabled"]!["defaultValue"]!.GetValue<bool>());
        Assert.Equal("parameters('iotHubEnabled')", iotHub.Condition);
        Assert.Equal("'S1'", iotHub.Resolve(iotHub.Node["sku"]!["name"]));
        Assert.True(IsTrue(iotHub.Properties["disableLocalAuth"]));
        Assert.Equal("UserAssigned", iotHub.Node["identity"]!["type"]!.GetValue<string>());
        Assert.Equal("identityBased", endpoint["authenticationType"]!.GetValue<string>());
        Assert.Equal(IotIdentity, iotHub.Resolve(endpoint["identity"]!["userAssignedIdentity"]));
        Assert.Equal("parameters('eventHubName')", iotHub.Resolve(endpoint["entityPath"]));
        Assert.Contains("serviceBusEndpoint", iotHub.Resolve(endpoint["endpointUri"]), StringComparison.Ordinal);
        Assert.Equal("DeviceMessages", route["source"]!.GetValue<string>());
        Assert.True(IsTrue(route["isEnabled"]));
        Assert.Equal(endpoint["name"]!.ToJsonString(), Assert.Single(route["endpointNames"]!.AsArray())!.ToJsonString());
    }

    [Fact]
    public void Function_app_is_a_custom_handler_on_flex_consumption()
    {
        var plan = Main.Single("Microsoft.Web/serverfarms");
        var site = Main.Single("Microsoft.Web/sites");
        var config = site.Properties["functionAppConfig"]!;

        Assert.Equal("FC1", plan.Node["sku"]!["name"]!.GetValue<string>());
        Assert.Equal("FlexConsumption", plan.Node["sku"]!["tier"]!.GetValue<string>());
        Assert.Equal("functionapp,linux", site.Node["kind"]!.GetValue<string>());
        Assert.Equal("custom", config["runtime"]!["name"]!.GetValue<string>());
        Assert.Equal("1.0", config["runtime"]!["version"]!.GetValue<string>());
        Assert.True(IsTrue(site.Properties["httpsOnly"]));
    }

    [Fact]
    public void Function_app_uses_the_identity_and_deploys_from_the_deployment_container()
    {
        var site = Main.Single("Microsoft.Web/sites");
        var storage = site.Properties["functionAppConfig"]!["deployment"]!["storage"]!;
        const string AppIdentity = "resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('names').identity)";

        Assert.Equal("UserAssigned", site.Node["identity"]!["type"]!.GetValue<string>());
        var identityKey = Assert.Single(site.Node["identity"]!["userAssignedIdentities"]!.AsObject()).Key;
        Assert.Equal($"format('{{0}}', {AppIdentity})", site.Resolve(identityKey));
        Assert.Equal("blobContainer", storage["type"]!.GetValue<string>());
        Assert.Equal("UserAssignedIdentity", storage["authentication"]!["type"]!.GetValue<string>());
        Assert.Equal(AppIdentity, site.Resolve(storage["authentication"]!["userAssignedIdentityResourceId"]));
        Assert.Equal(
            "format('{0}{1}', reference(resourceId('Microsoft.Storage/storageAccounts', variables('names').storage), '2025-06-01').primaryEndpoints.blob, 'deployment')",
            site.Resolve(storage["value"]));
    }

    [Fact]
    public void Function_app_is_tagged_for_azd_and_basic_publishing_is_off()
    {
        var site = Main.Single("Microsoft.Web/sites");
        var policies = Main.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();

        Assert.Equal(
            "union(variables('tags'), createObject('azd-service-name', 'functions'))",
            site.Resolve(site.Node["tags"]));
        Assert.Equal(2, policies.Count);
        Assert.All(policies, p => Assert.False(p.Properties["allow"]!.GetValue<bool>()));
    }
}
