using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests;

/// <summary>
/// Issue 11, item 8: azd deploy runs `dotnet user-secrets init --project` on the .NET service (Azure/azure-dev,
/// cli/azd/pkg/tools/dotnet/dotnet.go InitializeSecret, called from pkg/project/framework_service_dotnet.go),
/// which writes a UserSecretsId into a csproj that has none. The Function App project has a fixed one, so the
/// real `dotnet user-secrets init` leaves it byte for byte unchanged. Runs on a copy in a temporary folder.
/// </summary>
public sealed class UserSecretsTests : IDisposable
{
    private static readonly string _project = RepoPaths.Combine("functions", "Pipeline.Functions", "Pipeline.Functions.csproj");

    private readonly string _directory = Directory.CreateTempSubdirectory("user-secrets-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private ProcessResult Init(string projectFile) =>
        ProcessRunner.Run(
            "dotnet",
            ["user-secrets", "init", "--project", projectFile],
            _directory,
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });

    [Fact]
    public void Init_as_azd_runs_it_leaves_the_function_app_project_unchanged()
    {
        var copy = Path.Combine(_directory, "Pipeline.Functions.csproj");
        File.Copy(_project, copy);
        var before = File.ReadAllBytes(copy);

        var init = Init(copy);

        Assert.True(init.ExitCode == 0, init.StandardError + init.StandardOutput);
        Assert.Equal(before, File.ReadAllBytes(copy));
    }

    [Fact]
    public void Init_changes_a_project_without_an_id()
    {
        // The case the fixed id avoids; without it the test above could not fail.
        var copy = Path.Combine(_directory, "Plain.csproj");
        File.WriteAllText(copy, "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n    <OutputType>Exe</OutputType>\n  </PropertyGroup>\n</Project>\n");

        var init = Init(copy);

        Assert.True(init.ExitCode == 0, init.StandardError + init.StandardOutput);
        Assert.Contains("<UserSecretsId>", File.ReadAllText(copy), StringComparison.Ordinal);
    }

    [Fact]
    public void The_handler_does_not_read_the_secrets_azd_writes()
    {
        // azd copies every provision output into the user secrets (Pipeline__State__Kind as Pipeline:State:Kind, …);
        // without the assembly attribute the host builder never adds them, so local runs keep their own settings.
        var text = File.ReadAllText(_project);

        Assert.Contains("<GenerateUserSecretsAttribute>false</GenerateUserSecretsAttribute>", text, StringComparison.Ordinal);
    }
}
