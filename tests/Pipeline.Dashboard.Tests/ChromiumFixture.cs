using System.Diagnostics;
using Microsoft.Playwright;

namespace Pipeline.Dashboard.Tests;

/// <summary>
/// One headless Chromium for the browser tests. Playwright drives the installed browser (it cannot download its own
/// here): <c>PIPELINE_CHROMIUM</c>, else chromium or Chrome on the PATH; on Debian or Ubuntu as root a missing Chromium
/// is installed with apt-get; anywhere else the tests fail with one line saying what to install.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ExecutableVariable = "PIPELINE_CHROMIUM";

    private static readonly string[] s_names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var executable = Find() ?? InstallOnDebian() ?? throw new InvalidOperationException(
            $"Chromium is not installed: install it (Debian/Ubuntu: apt-get install -y chromium; elsewhere your system's Chromium or Chrome package) or set {ExecutableVariable} to its executable.");
        _playwright = await Playwright.CreateAsync();

        // --no-sandbox: the tests may run as root (CI containers), where Chromium's sandbox refuses to start.
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = executable, Headless = true, Args = ["--no-sandbox"] });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : throw new InvalidOperationException($"{ExecutableVariable} names '{configured}', which does not exist.");
        }

        var path = Environment.GetEnvironmentVariable("PATH")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries) ?? [];
        return path.SelectMany(dir => s_names.Select(name => Path.Combine(dir, name))).FirstOrDefault(File.Exists);
    }

    /// <summary>On Debian or Ubuntu as root: <c>apt-get install -y chromium</c> (after an index update), then look again.</summary>
    private static string? InstallOnDebian()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !File.Exists("/usr/bin/apt-get") || !IsDebianFamily())
        {
            return null;
        }

        foreach (var args in new[] { "update", "install -y --no-install-recommends chromium" })
        {
            var start = new ProcessStartInfo("/usr/bin/apt-get", args) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
            using var process = Process.Start(start)!;
            process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"apt-get {args} failed ({process.ExitCode}): {error.Trim()}");
            }
        }

        return Find();
    }

    private static bool IsDebianFamily()
    {
        if (!File.Exists("/etc/os-release"))
        {
            return false;
        }

        var release = File.ReadAllLines("/etc/os-release");
        return release.Any(line => (line.StartsWith("ID=", StringComparison.Ordinal) || line.StartsWith("ID_LIKE=", StringComparison.Ordinal))
            && (line.Contains("debian", StringComparison.Ordinal) || line.Contains("ubuntu", StringComparison.Ordinal)));
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserTests : ICollectionFixture<ChromiumFixture>
{
    public const string Name = "browser";
}
