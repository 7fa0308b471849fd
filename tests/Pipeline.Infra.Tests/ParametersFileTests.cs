using System.Text.Json.Nodes;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests;

/// <summary>infra/main.parameters.json maps azd environment values onto main.bicep's parameters.</summary>
public class ParametersFileTests
{
    private static JsonObject Parameters() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Infra, "main.parameters.json")))!["parameters"]!.AsObject();

    [Fact]
    public void Every_parameter_is_declared_by_main_bicep()
    {
        Assert.All(Parameters(), p => Assert.True(Bicep.Main.Parameters.ContainsKey(p.Key), p.Key));
    }

    [Theory]
    [InlineData("environmentName", "${AZURE_ENV_NAME}")]
    [InlineData("location", "${AZURE_LOCATION}")]
    [InlineData("principalId", "${AZURE_PRINCIPAL_ID}")]
    public void Azd_values_feed_the_azd_parameters(string parameter, string value)
    {
        Assert.Equal(value, Parameters()[parameter]!["value"]!.GetValue<string>());
    }

    [Fact]
    public void Required_parameters_of_main_bicep_all_have_values()
    {
        var given = Parameters();
        var required = Bicep.Main.Parameters.Where(p => p.Value!["defaultValue"] is null).Select(p => p.Key);

        Assert.All(required, name => Assert.True(given.ContainsKey(name), name));
    }

    [Fact]
    public void Defaults_in_the_file_match_the_bicep_defaults()
    {
        // ${NAME=default} is used when the azd environment has no NAME.
        var given = Parameters();

        Assert.Equal("${EVENTHUB_PARTITION_COUNT=8}", given["eventHubPartitionCount"]!["value"]!.GetValue<string>());
        Assert.Equal(8, Bicep.Main.Parameters["eventHubPartitionCount"]!["defaultValue"]!.GetValue<int>());
        Assert.Equal("${IOTHUB_ENABLED=true}", given["iotHubEnabled"]!["value"]!.GetValue<string>());
        Assert.True(Bicep.Main.Parameters["iotHubEnabled"]!["defaultValue"]!.GetValue<bool>());
    }
}
