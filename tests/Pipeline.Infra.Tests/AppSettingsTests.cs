using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests;

/// <summary>The Function App's settings: identity-based connections only, nothing secret.</summary>
public partial class AppSettingsTests
{
    private const string AppClientId = "reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('names').identity), '2024-11-30').clientId";
    private const string Storage = "resourceId('Microsoft.Storage/storageAccounts', variables('names').storage)";

    private static readonly Lazy<IReadOnlyDictionary<string, string>> _settings = new(() =>
    {
        var config = Bicep.Main.OfType("Microsoft.Web/sites/config")
            .Single(c => c.Resolve(c.Node["name"]).EndsWith("'appsettings')", StringComparison.Ordinal));
        return config.Properties.ToDictionary(p => p.Key, p => config.Resolve(p.Value), StringComparer.Ordinal);
    });

    /// <summary>Setting name → value, rewritten in terms of main.bicep's parameters and resources.</summary>
    private static IReadOnlyDictionary<string, string> Settings => _settings.Value;

    /// <summary>Names the app reads (docs/function-app.md, "Settings", and docs/deploy.md).</summary>
    public static TheoryData<string, string> ExpectedSettings => new()
    {
        { "AzureWebJobsStorage__accountName", "variables('names').storage" },
        { "AzureWebJobsStorage__credential", "'managedidentity'" },
        { "AzureWebJobsStorage__clientId", AppClientId },
        { "EventHubConnection__fullyQualifiedNamespace", "split(split(reference(resourceId('Microsoft.EventHub/namespaces', variables('names').eventHubNamespace), '2024-01-01').serviceBusEndpoint, '/')[2], ':')[0]" },
        { "EventHubConnection__credential", "'managedidentity'" },
        { "EventHubConnection__clientId", AppClientId },
        { "EventHubName", "parameters('eventHubName')" },
        { "EventHubConsumerGroup", "parameters('eventHubConsumerGroup')" },
        { "AZURE_CLIENT_ID", AppClientId },
        { "APPLICATIONINSIGHTS_CONNECTION_STRING", "reference(resourceId('Microsoft.Insights/components', variables('names').applicationInsights), '2020-02-02').ConnectionString" },
        { "APPLICATIONINSIGHTS_AUTHENTICATION_STRING", $"format('ClientId={{0}};Authorization=AAD', {AppClientId})" },
        { "Pipeline__Environment", "parameters('environmentName')" },
        { "Pipeline__State__Kind", "'tables'" },
        { "Pipeline__State__TableServiceUri", $"reference({Storage}, '2025-06-01').primaryEndpoints.table" },
        { "Pipeline__DeadLetters__Kind", "'tables'" },
        { "Pipeline__DeadLetters__TableServiceUri", $"reference({Storage}, '2025-06-01').primaryEndpoints.table" },
        { "Pipeline__Alerts__Kind", "'eventgrid'" },
        { "Pipeline__Alerts__TopicEndpoint", "reference(resourceId('Microsoft.EventGrid/topics', variables('names').eventGridTopic), '2025-02-15').endpoint" },
        { "Pipeline__Rules__Kind", "'blob'" },
        { "Pipeline__Rules__BlobServiceUri", $"reference({Storage}, '2025-06-01').primaryEndpoints.blob" },
        { "Pipeline__MetricHistory__Kind", "'tables'" },
    };

    [Theory]
    [MemberData(nameof(ExpectedSettings))]
    public void Setting_has_the_expected_source(string name, string value)
    {
        Assert.True(Settings.ContainsKey(name), $"missing app setting {name}");
        Assert.Equal(value, Settings[name]);
    }

    [Fact]
    public void There_are_no_other_settings()
    {
        var expected = ExpectedSettings.Select(row => (string)row[0]).Order(StringComparer.Ordinal);

        Assert.Equal(expected, Settings.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void No_setting_holds_a_key_or_calls_a_list_function()
    {
        Assert.All(Settings, s => AssertNoSecret($"app setting {s.Key}", s.Value));
    }

    [Fact]
    public void No_output_holds_a_key_or_calls_a_list_function()
    {
        foreach (var module in Bicep.Main.AllModules().Append(Bicep.Main.Scope))
        {
            foreach (var (name, output) in module.Template["outputs"]?.AsObject() ?? [])
            {
                AssertNoSecret($"output {module.Name}.{name}", output!["value"]!.ToJsonString());
            }
        }
    }

    [Fact]
    public void The_compiled_template_never_reads_keys()
    {
        var json = Bicep.MainBuild.StandardOutput;

        AssertNoSecret("main.json", json);
        Assert.DoesNotMatch(SasTokenPattern(), json);
    }

    [Fact]
    public void Flex_consumption_forbidden_settings_are_absent()
    {
        // Flex Consumption sets the runtime in functionAppConfig and deploys from blob storage.
        string[] forbidden =
        [
            "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE",
            "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_CONTENTSHARE", "AzureWebJobsStorage",
            "APPINSIGHTS_INSTRUMENTATIONKEY",
        ];

        Assert.All(forbidden, name => Assert.False(Settings.ContainsKey(name), name));
    }

    [Fact]
    public void Every_connection_is_identity_based()
    {
        var connections = FunctionJson.Connections().ToHashSet(StringComparer.Ordinal);

        // Known even before the function.json files exist: the host's storage and the Ingest trigger.
        connections.Add("AzureWebJobsStorage");
        connections.Add("EventHubConnection");

        Assert.All(connections, connection =>
        {
            Assert.False(Settings.ContainsKey(connection), $"{connection} must not be a connection string");
            var service = Settings.Keys.Where(k =>
                k == $"{connection}__fullyQualifiedNamespace"
                || k == $"{connection}__accountName"
                || k == $"{connection}__serviceUri"
                || (k.StartsWith($"{connection}__", StringComparison.Ordinal) && k.EndsWith("ServiceUri", StringComparison.Ordinal)));
            Assert.NotEmpty(service);
            Assert.Equal("'managedidentity'", Settings.GetValueOrDefault($"{connection}__credential"));
            Assert.Equal(AppClientId, Settings.GetValueOrDefault($"{connection}__clientId"));
        });
    }

    [Fact]
    public void Every_app_setting_reference_in_function_json_is_set()
    {
        Assert.All(FunctionJson.SettingReferences(), name => Assert.True(Settings.ContainsKey(name), $"%{name}% is not an app setting"));
    }

    [Fact]
    public void Settings_the_app_uses_have_outputs_of_the_same_name()
    {
        var outputs = Bicep.Main.Outputs;
        string[] shared =
        [
            "AzureWebJobsStorage__accountName", "EventHubConnection__fullyQualifiedNamespace", "EventHubName",
            "EventHubConsumerGroup", "APPLICATIONINSIGHTS_CONNECTION_STRING", "Pipeline__Environment",
            "Pipeline__State__Kind", "Pipeline__State__TableServiceUri", "Pipeline__DeadLetters__Kind",
            "Pipeline__DeadLetters__TableServiceUri", "Pipeline__Alerts__Kind", "Pipeline__Alerts__TopicEndpoint",
            "Pipeline__Rules__Kind", "Pipeline__Rules__BlobServiceUri",
        ];

        Assert.All(shared, name =>
        {
            var output = outputs[name];
            Assert.NotNull(output);
            Assert.Equal(Settings[name], ArmTemplate.Resolve(output["value"], Bicep.Main.Scope));
        });
    }

    private static void AssertNoSecret(string what, string text)
    {
        Assert.False(text.Contains("AccountKey=", StringComparison.OrdinalIgnoreCase), $"{what} contains AccountKey=");
        Assert.False(text.Contains("SharedAccessKey", StringComparison.OrdinalIgnoreCase), $"{what} contains SharedAccessKey");
        Assert.False(text.Contains("SharedAccessSignature", StringComparison.OrdinalIgnoreCase), $"{what} contains SharedAccessSignature");
        Assert.False(ListFunctionPattern().IsMatch(text), $"{what} calls a list*() function: {text}");
    }

    [GeneratedRegex(@"\blist[A-Za-z]*\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListFunctionPattern();

    [GeneratedRegex(@"[?&]sig=", RegexOptions.IgnoreCase)]
    private static partial Regex SasTokenPattern();
}

/// <summary>The Functions' function.json files (functions/**/function.json), when they exist.</summary>
internal static partial class FunctionJson
{
    public static IEnumerable<string> Files()
    {
        var root = RepoPaths.Combine("functions");
        if (!Directory.Exists(root))
        {
            return [];
        }

        return Directory.EnumerateFiles(root, "function.json", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal);
    }

    public static IEnumerable<JsonObject> Bindings() =>
        Files()
            .Select(f => JsonNode.Parse(File.ReadAllText(f))!)
            .SelectMany(doc => doc["bindings"]?.AsArray() ?? [])
            .Select(b => b!.AsObject());

    /// <summary>The `connection` of every binding that has one.</summary>
    public static IEnumerable<string> Connections() =>
        Bindings()
            .Select(b => b["connection"]?.GetValue<string>())
            .OfType<string>()
            .Select(c => c.Trim('%'));

    /// <summary>Names referenced as %Name% in binding properties.</summary>
    public static IEnumerable<string> SettingReferences() =>
        Bindings()
            .SelectMany(b => b.Select(p => p.Value))
            .OfType<JsonValue>()
            .Where(v => v.GetValueKind() == System.Text.Json.JsonValueKind.String)
            .SelectMany(v => SettingReference().Matches(v.GetValue<string>()).Select(m => m.Groups[1].Value))
            .Distinct(StringComparer.Ordinal);

    [GeneratedRegex("%([A-Za-z0-9_]+)%")]
    private static partial Regex SettingReference();
}
