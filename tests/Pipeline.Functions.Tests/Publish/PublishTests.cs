using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Pipeline.Core.Alerts;

namespace Pipeline.Functions.Tests.Publish;

/// <summary>
/// <c>dotnet publish -c Release -r linux-x64</c> gives the folder Flex Consumption runs: host.json, the function folders,
/// the <c>handler</c> executable and the rules. Published into a temporary folder with its own artifacts path, so it
/// never touches the build that runs these tests.
/// </summary>
public sealed class PublishTests
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(8);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Publish_produces_the_deployable_folder_and_the_handler_it_names_starts_and_ingests()
    {
        var root = FindRepositoryRoot();
        var work = Directory.CreateTempSubdirectory("pipeline-publish-");
        try
        {
            var output = Path.Combine(work.FullName, "app");
            var project = Path.Combine(root, "functions", "Pipeline.Functions", "Pipeline.Functions.csproj");
            var (exitCode, log) = await RunAsync("dotnet",
                ["publish", project, "-c", "Release", "-r", "linux-x64", "-o", output, "--artifacts-path", Path.Combine(work.FullName, "artifacts"), "-nologo"],
                root, PublishTimeout);
            Assert.True(exitCode == 0, "dotnet publish failed:\n" + log);

            // The layout the Functions host expects at the app root.
            foreach (var file in new[] { "host.json", "Ingest/function.json", "Sweep/function.json", "Api/function.json", "rules.yaml" })
            {
                Assert.True(File.Exists(Path.Combine(output, file)), $"{file} is missing from the published folder.");
            }

            using var host = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "host.json")));
            var executableName = host.RootElement.GetProperty("customHandler").GetProperty("description").GetProperty("defaultExecutablePath").GetString();
            Assert.Equal("handler", executableName);
            var executable = Path.Combine(output, executableName!);
            Assert.True(File.Exists(executable), "host.json names an executable the folder does not have.");
            if (!OperatingSystem.IsWindows())
            {
                Assert.True(File.GetUnixFileMode(executable).HasFlag(UnixFileMode.UserExecute), "The handler is not executable.");
            }

            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(root, "samples", "rules.yaml")), await File.ReadAllTextAsync(Path.Combine(output, "rules.yaml")));

            await StartAndIngestAsync(executable, work.FullName);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Runs the published handler as the host would (port in the environment), memory state and JSON-lines files.</summary>
    private static async Task StartAndIngestAsync(string executable, string work)
    {
        var data = Directory.CreateDirectory(Path.Combine(work, "data")).FullName;
        var rules = Path.Combine(data, "rules.yaml");
        await File.WriteAllTextAsync(rules, TestHandler.HotRules);
        var port = FreeLoopbackPort();
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = data,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment[HandlerApp.PortVariable] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Pipeline__Environment"] = "publish-test";
        start.Environment["Pipeline__State__Kind"] = "memory";
        start.Environment["Pipeline__Alerts__Kind"] = "jsonl";
        start.Environment["Pipeline__Alerts__Path"] = Path.Combine(data, "alerts.jsonl");
        start.Environment["Pipeline__DeadLetters__Kind"] = "jsonl";
        start.Environment["Pipeline__DeadLetters__Path"] = Path.Combine(data, "deadletters.jsonl");
        start.Environment["Pipeline__Rules__Path"] = rules;

        var output = new StringBuilder();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            // Kestrel's startup message: the socket accepts connections from here on.
            if (line.Contains("Now listening on: http://127.0.0.1:" + port, StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("The handler exited before listening:\n" + output));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await listening.Task.WaitAsync(StartTimeout);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            using var root = await client.GetAsync(new Uri("/", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, root.StatusCode);

            using var content = new StringContent(TestHandler.ReadPayload("ingest-malformed.json"), Encoding.UTF8, "application/json");
            using var malformed = await client.PostAsync(new Uri("/Ingest", UriKind.Relative), content);
            Assert.Equal(HttpStatusCode.OK, malformed.StatusCode);
            using var good = new StringContent(TestHandler.ReadPayload("ingest-string-arrays.json"), Encoding.UTF8, "application/json");
            using var ingest = await client.PostAsync(new Uri("/Ingest", UriKind.Relative), good);
            Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);

            // A 200 means the alert file was written and flushed: one alert (chiller-2 at 85.0 > 80) and four dead letters.
            var alertLines = await File.ReadAllLinesAsync(Path.Combine(data, "alerts.jsonl"));
            var alert = AlertEvent.Parse(Encoding.UTF8.GetBytes(Assert.Single(alertLines)));
            Assert.Equal("devices/chiller-2/rules/hot", alert.Subject);
            Assert.Equal("/pipeline/publish-test/rules/hot", alert.Source);
            Assert.Equal(4, (await File.ReadAllLinesAsync(Path.Combine(data, "deadletters.jsonl"))).Length);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
        }
    }

    private static async Task<(int ExitCode, string Log)> RunAsync(string file, string[] arguments, string workingDirectory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A build server left running would outlive the test; the publish is one-off.
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Pipeline.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Pipeline.sln above {AppContext.BaseDirectory}.");
    }
}
