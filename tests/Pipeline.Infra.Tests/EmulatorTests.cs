using System.Text.Json.Nodes;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests;

/// <summary>docker-compose.yml and the Event Hubs emulator config agree with main.bicep. (Docker does not run here.)</summary>
public class EmulatorTests
{
    private static readonly string _configPath = Path.Combine(RepoPaths.Infra, "emulator", "Config.json");

    private static string BicepDefault(string parameter) =>
        Bicep.Main.Parameters[parameter]!["defaultValue"]!.ToString();

    [Fact]
    public void Emulator_has_the_hub_and_consumer_groups_the_app_expects()
    {
        var config = JsonNode.Parse(File.ReadAllText(_configPath))!;
        var ns = Assert.Single(config["UserConfig"]!["NamespaceConfig"]!.AsArray())!;
        var hub = Assert.Single(ns["Entities"]!.AsArray())!;
        var groups = hub["ConsumerGroups"]!.AsArray().Select(g => g!["Name"]!.GetValue<string>()).ToList();

        Assert.Equal("EventHub", ns["Type"]!.GetValue<string>());
        Assert.Equal("emulatorNs1", ns["Name"]!.GetValue<string>());
        Assert.Equal(BicepDefault("eventHubName"), hub["Name"]!.GetValue<string>());
        Assert.Equal(BicepDefault("eventHubPartitionCount"), hub["PartitionCount"]!.GetValue<string>());
        Assert.Contains(BicepDefault("eventHubConsumerGroup"), groups);
        Assert.Contains(BicepDefault("eventHubLocalConsumerGroup"), groups);
        Assert.DoesNotContain("$default", groups);
        Assert.NotNull(config["UserConfig"]!["LoggingConfig"]!["Type"]);
    }

    [Fact]
    public void Compose_runs_azurite_and_the_event_hubs_emulator_with_that_config()
    {
        var compose = Yaml.Load(RepoPaths.Combine("docker-compose.yml"))!;
        var services = compose["services"]!.AsObject();
        var azurite = services["azurite"]!;
        var eventHubs = services["eventhubs"]!;

        Assert.StartsWith("mcr.microsoft.com/azure-storage/azurite", azurite["image"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/azure-messaging/eventhubs-emulator", eventHubs["image"]!.GetValue<string>(), StringComparison.Ordinal);

        var ports = azurite["ports"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        Assert.Equal(["127.0.0.1:10000:10000", "127.0.0.1:10001:10001", "127.0.0.1:10002:10002"], ports);
        Assert.Contains("127.0.0.1:5672:5672", eventHubs["ports"]!.AsArray().Select(p => p!.GetValue<string>()));

        var mount = Assert.Single(eventHubs["volumes"]!.AsArray())!.GetValue<string>().Split(':');
        Assert.Equal("/Eventhubs_Emulator/ConfigFiles/Config.json", mount[1]);
        Assert.Equal(Path.GetFullPath(_configPath), Path.GetFullPath(RepoPaths.Combine(mount[0])));

        var environment = eventHubs["environment"]!;
        Assert.Equal("azurite", environment["BLOB_SERVER"]!.GetValue<string>());
        Assert.Equal("azurite", environment["METADATA_SERVER"]!.GetValue<string>());
        Assert.Contains("azurite", eventHubs["depends_on"]!.AsArray().Select(d => d!.GetValue<string>()));
    }

    [Fact]
    public void Compose_publishes_every_port_on_loopback_only()
    {
        var compose = Yaml.Load(RepoPaths.Combine("docker-compose.yml"))!;
        var published = compose["services"]!.AsObject()
            .SelectMany(s => s.Value!["ports"]?.AsArray().Select(p => (Service: s.Key, Port: p!.GetValue<string>())) ?? [])
            .ToList();

        // A port without a host address ("10000:10000") is published on every interface of the machine.
        Assert.NotEmpty(published);
        Assert.All(published, p => Assert.True(p.Port.StartsWith("127.0.0.1:", StringComparison.Ordinal),
            $"service '{p.Service}' publishes '{p.Port}' beyond loopback; write it as 127.0.0.1:{p.Port}"));
    }
}
