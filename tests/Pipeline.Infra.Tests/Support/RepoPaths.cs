using System.Reflection;

namespace Pipeline.Infra.Tests.Support;

/// <summary>Locations of the repository, its infra folder and the Bicep CLI.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> _root = new(FindRoot);

    /// <summary>The directory that holds Pipeline.sln.</summary>
    public static string Root => _root.Value;

    public static string Infra => Path.Combine(Root, "infra");

    public static string MainBicep => Path.Combine(Infra, "main.bicep");

    /// <summary>shared/schemas/azure.yaml.json next to the repository, or next to a folder above it (a worktree of it).</summary>
    public static string AzureYamlSchema
    {
        get
        {
            for (var dir = Directory.GetParent(Root); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "schemas", "azure.yaml.json");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return Path.GetFullPath(Path.Combine(Root, "..", "shared", "schemas", "azure.yaml.json"));
        }
    }

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Pipeline.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>The bicep executable of the Azure.Bicep.CommandLine.linux-x64 package the project references.</summary>
    public static string BicepExecutable()
    {
        var candidates = new List<string>();
        var packageRoot = typeof(RepoPaths).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "BicepPackageRoot")?.Value;
        if (!string.IsNullOrEmpty(packageRoot))
        {
            candidates.Add(Path.Combine(packageRoot, "tools", "bicep"));
        }

        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(packages))
        {
            packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        candidates.Add(Path.Combine(packages, "azure.bicep.commandline.linux-x64", "0.49.2", "tools", "bicep"));

        var found = candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException("Bicep CLI not found; looked at: " + string.Join(", ", candidates));

        // NuGet does not always keep the executable bit when it extracts a package.
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(found);
            var exec = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(found, mode | exec);
            }
        }

        return found;
    }
}
