using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pipeline.Azurite;

/// <summary>
/// One Azurite process (the npm package pinned in the repository's package-lock.json): installed with <c>npm ci</c>
/// when missing, started in memory on free loopback ports, killed with its process tree on dispose. Used by the Azure
/// adapter tests' fixture and by the storage benchmark, so both run against the same emulator started the same way.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    // Azurite's published development account; it opens nothing but a local emulator.
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(5);

    private readonly StringBuilder _output = new();
    private Process? _process;
    private string? _location;
    private string? _connectionString;

    private AzuriteProcess()
    {
    }

    /// <summary>The development connection string of the running emulator (blob, queue and table endpoints).</summary>
    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("Azurite is not running.");

    /// <summary>Installs Azurite if needed and starts it; throws with the reason if it cannot start after 3 attempts.</summary>
    public static async Task<AzuriteProcess> StartAsync()
    {
        var root = FindRepositoryRoot();
        var launcher = Path.Combine(root, "node_modules", ".bin", "azurite");
        if (!File.Exists(launcher))
        {
            await InstallOnceAsync(root, launcher).ConfigureAwait(false);
        }

        // The package's own entry point, run by node: the same program .bin/azurite links to, on any OS.
        var script = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed: {script} is missing after 'npm ci' in {root}.");
        }

        var azurite = new AzuriteProcess();
        Exception? lastFailure = null;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                await azurite.StartAsync(script).ConfigureAwait(false);
                return azurite;
            }
            catch (AzuriteStartException e)
            {
                // Most often a free port was taken between probing and binding: try new ports.
                lastFailure = e;
                await azurite.StopAsync().ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException($"Azurite could not start after 3 attempts: {lastFailure?.Message}", lastFailure);
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task StartAsync(string script)
    {
        var ports = FreeLoopbackPorts(3);
        _location = Directory.CreateTempSubdirectory("pipeline-azurite-").FullName;
        lock (_output)
        {
            _output.Clear();
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = _location,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            // In memory (Azurite refuses --location with it); the temp folder is only the working directory.
            script, "--silent", "--inMemoryPersistence", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", ports[0].ToString(CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", ports[1].ToString(CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", ports[2].ToString(CultureInfo.InvariantCulture),
            "--skipApiVersionCheck", "--loose",
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var blobReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tableReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queueReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data, blobReady, tableReady, queueReady);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, blobReady, tableReady, queueReady);
        process.Exited += (_, _) =>
        {
            var failure = new AzuriteStartException($"Azurite exited with code {SafeExitCode(process)} before it was ready. Output:\n{Output()}");
            blobReady.TrySetException(failure);
            tableReady.TrySetException(failure);
            queueReady.TrySetException(failure);
        };

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException("Cannot run 'node' (Node.js is needed for Azurite): " + e.Message, e);
        }

        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // Azurite prints "... service is successfully listening at ..." once each port accepts connections.
            await Task.WhenAll(blobReady.Task, tableReady.Task, queueReady.Task).WaitAsync(StartTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new AzuriteStartException($"Azurite did not report listening within {StartTimeout.TotalSeconds} s. Output:\n{Output()}");
        }

        _connectionString =
            $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{ports[0]}/{AccountName};" +
            $"QueueEndpoint=http://127.0.0.1:{ports[1]}/{AccountName};" +
            $"TableEndpoint=http://127.0.0.1:{ports[2]}/{AccountName};";
    }

    private void OnLine(string? line, TaskCompletionSource blobReady, TaskCompletionSource tableReady, TaskCompletionSource queueReady)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.Contains("Blob service is successfully listening", StringComparison.Ordinal))
        {
            blobReady.TrySetResult();
        }
        else if (line.Contains("Table service is successfully listening", StringComparison.Ordinal))
        {
            tableReady.TrySetResult();
        }
        else if (line.Contains("Queue service is successfully listening", StringComparison.Ordinal))
        {
            queueReady.TrySetResult();
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private async Task StopAsync()
    {
        _connectionString = null;
        if (_process is { } process)
        {
            _process = null;
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                }
            }
            catch (InvalidOperationException)
            {
                // Exited between the check and the kill.
            }
            finally
            {
                process.Dispose();
            }
        }

        if (_location is { } location)
        {
            _location = null;
            try
            {
                Directory.Delete(location, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }

    /// <summary>
    /// Several test assemblies share this fixture and `dotnet test` runs them in parallel processes: a machine-wide
    /// named mutex lets one of them run `npm ci` while the others block on it, then find Azurite installed.
    /// </summary>
    private static Task InstallOnceAsync(string root, string launcher) => Task.Factory.StartNew(
        () =>
        {
            using var mutex = new Mutex(false, "pipeline-azurite-npm-ci");
            try
            {
                mutex.WaitOne();
            }
            catch (AbandonedMutexException)
            {
                // The holder died mid-install; we own the mutex now and npm ci starts from a clean slate.
            }

            try
            {
                if (!File.Exists(launcher))
                {
                    RunNpmCiAsync(root).GetAwaiter().GetResult();
                }
            }
            finally
            {
                mutex.ReleaseMutex();
            }
        },
        CancellationToken.None,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);

    private static async Task RunNpmCiAsync(string root)
    {
        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("ci");
        start.ArgumentList.Add("--no-audit");
        start.ArgumentList.Add("--no-fund");
        using var npm = new Process { StartInfo = start };
        try
        {
            npm.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("Azurite is not installed and 'npm' cannot run to install it: " + e.Message, e);
        }

        var stdout = npm.StandardOutput.ReadToEndAsync();
        var stderr = npm.StandardError.ReadToEndAsync();
        try
        {
            await npm.WaitForExitAsync().WaitAsync(NpmTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            npm.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"'npm ci' in {root} did not finish within {NpmTimeout.TotalMinutes} minutes.");
        }

        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"'npm ci' in {root} failed with exit code {npm.ExitCode}:\n{await stdout.ConfigureAwait(false)}\n{await stderr.ConfigureAwait(false)}");
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

        throw new InvalidOperationException($"No Pipeline.sln above {AppContext.BaseDirectory}: cannot find the repository root to install Azurite.");
    }

    /// <summary>Ports the OS reports free right now (all bound at once so they differ).</summary>
    private static int[] FreeLoopbackPorts(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode.ToString(CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private sealed class AzuriteStartException : Exception
    {
        public AzuriteStartException()
        {
        }

        public AzuriteStartException(string message)
            : base(message)
        {
        }

        public AzuriteStartException(string message, Exception innerException)
            : base(message, innerException)
        {
        }
    }
}
