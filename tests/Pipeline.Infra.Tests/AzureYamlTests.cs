using System.Text.Json.Nodes;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests;

/// <summary>azure.yaml against the azd schema (shared/schemas/azure.yaml.json) and the repository.</summary>
public class AzureYamlTests
{
    private static readonly Lazy<JsonSchemaValidator> _validator = new(() =>
        new JsonSchemaValidator(JsonNode.Parse(File.ReadAllText(RepoPaths.AzureYamlSchema))!.AsObject()));

    private static JsonObject AzureYaml() => Yaml.Load(RepoPaths.Combine("azure.yaml"))!.AsObject();

    private static IReadOnlyList<string> Validate(string yaml)
    {
        var path = Path.Combine(Path.GetTempPath(), $"azure-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        try
        {
            return _validator.Value.Validate(Yaml.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Validates_against_the_azd_schema()
    {
        var errors = _validator.Value.Validate(AzureYaml());

        Assert.Empty(errors);
    }

    [Fact]
    public void Service_is_the_function_app_project()
    {
        var service = Assert.Single(AzureYaml()["services"]!.AsObject());
        var project = service.Value!["project"]!.GetValue<string>();

        Assert.Equal("function", service.Value["host"]!.GetValue<string>());
        Assert.Equal("functions/Pipeline.Functions", project);
        Assert.True(Directory.Exists(RepoPaths.Combine(project)), $"{project} does not exist");
        Assert.NotEmpty(Directory.EnumerateFiles(RepoPaths.Combine(project), "*.csproj"));

        // azd finds the Function App by this tag.
        var site = Bicep.Main.Single("Microsoft.Web/sites");
        Assert.Contains($"createObject('azd-service-name', '{service.Key}')", site.Resolve(site.Node["tags"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Infra_path_holds_main_bicep()
    {
        var infra = AzureYaml()["infra"]!;
        var path = infra["path"]!.GetValue<string>();
        var module = infra["module"]!.GetValue<string>();

        Assert.True(File.Exists(RepoPaths.Combine(path, module + ".bicep")));
        Assert.True(File.Exists(RepoPaths.Combine(path, module + ".parameters.json")));
    }

    [Theory]
    [InlineData("preprovision")]
    [InlineData("postprovision")]
    [InlineData("predeploy")]
    public void Hook_has_posix_and_windows_scripts_that_exist(string name)
    {
        var hook = AzureYaml()["hooks"]![name]!;

        Assert.Equal("sh", hook["posix"]!["shell"]!.GetValue<string>());
        Assert.Equal("pwsh", hook["windows"]!["shell"]!.GetValue<string>());
        Assert.True(File.Exists(RepoPaths.Combine(hook["posix"]!["run"]!.GetValue<string>())));
        Assert.True(File.Exists(RepoPaths.Combine(hook["windows"]!["run"]!.GetValue<string>())));
    }

    [Fact]
    public void Hook_scripts_are_the_ones_under_infra_hooks()
    {
        var hooks = AzureYaml()["hooks"]!.AsObject();

        Assert.Equal(["postprovision", "predeploy", "preprovision"], hooks.Select(h => h.Key).Order(StringComparer.Ordinal));
        Assert.Equal("./infra/hooks/preprovision.sh", hooks["preprovision"]!["posix"]!["run"]!.GetValue<string>());
        Assert.Equal("./infra/hooks/predeploy.ps1", hooks["predeploy"]!["windows"]!["run"]!.GetValue<string>());
    }

    [Fact]
    public void Requires_an_azd_that_keeps_file_modes()
    {
        Assert.Equal(">= 1.26.0", AzureYaml()["requiredVersions"]!["azd"]!.GetValue<string>());
    }

    // The validator itself: it must reject what the schema rejects, or the test above proves nothing.
    [Theory]
    [InlineData("services:\n  api:\n    host: function\n")]
    [InlineData("name: Not_Valid\nservices:\n  api:\n    host: function\n")]
    [InlineData("name: app\nservices:\n  api:\n    project: src\n")]
    [InlineData("name: app\nservices: {}\n")]
    [InlineData("name: app\nservices:\n  api:\n    host: function\n    remoteBuild: \"no\"\n")]
    [InlineData("name: app\nhooks:\n  postprovision:\n    run: ./a.sh\n    posix:\n      run: ./a.sh\n    windows:\n      run: ./a.ps1\n")]
    [InlineData("name: app\nhooks:\n  postprovision:\n    shell: sh\n")]
    [InlineData("name: app\nhooks:\n  postprovision:\n    shell: bash\n    run: ./a.sh\n")]
    [InlineData("name: app\nhooks:\n  notahook:\n    run: ./a.sh\n")]
    [InlineData("name: app\nrequiredVersions:\n  azd: '>= 1.0'\n  other: x\n")]
    public void Validator_rejects_invalid_documents(string yaml)
    {
        var errors = Validate(yaml);

        Assert.Contains(errors, e => !e.Contains("remote $ref", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("name: app\n")]
    [InlineData("name: app\nservices:\n  api:\n    host: function\n    project: src\n    language: dotnet\n    remoteBuild: false\n")]
    [InlineData("name: app\nhooks:\n  postprovision:\n    - run: ./a.sh\n      shell: sh\n")]
    public void Validator_accepts_valid_documents(string yaml)
    {
        Assert.Empty(Validate(yaml));
    }

    [Fact]
    public void Validator_refuses_keywords_it_does_not_implement()
    {
        var validator = new JsonSchemaValidator(JsonNode.Parse("""{"type":"number","multipleOf":2}""")!.AsObject());

        Assert.Contains(validator.Validate(JsonValue.Create(3)), e => e.Contains("multipleOf", StringComparison.Ordinal));
    }
}
