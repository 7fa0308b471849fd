using System.CommandLine;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary>
/// The <c>pipeline</c> command line. <see cref="Program.Main"/> and the tests call <see cref="RunAsync"/> the same way;
/// only the writers and the <see cref="CliContext"/> differ. User errors end as one line on stderr and a non-zero exit.
/// </summary>
public static class CommandLine
{
    /// <summary>Exit code of a usage or input mistake (bad option, missing file, invalid rules).</summary>
    public const int UsageError = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CliContext? context = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        context ??= new CliContext();
        var io = new CliIo(stdout, stderr, context);
        var root = new RootCommand("Real-time monitoring pipeline: telemetry → per-device windows and rules → alert CloudEvents");
        root.Subcommands.Add(RunCommand.Create(io));
        root.Subcommands.Add(DemoCommand.Create(io));
        root.Subcommands.Add(ReplayCommand.Create(io));
        root.Subcommands.Add(SimulateCommand.Create(io));
        root.Subcommands.Add(RulesCommand.Create(io));
        root.Subcommands.Add(AlertsCommand.Create(io));
        root.Subcommands.Add(Rules.SilencesCommand.Create(io));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // "Required command was not provided" comes first for `pipeline bogus`; the unrecognized word says more.
            var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            stderr.WriteLine($"pipeline: {error.Message.TrimEnd('.')} (see 'pipeline --help')");
            return UsageError;
        }

        var invocation = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = context.HandleProcessTermination ? TimeSpan.FromSeconds(30) : null,
        };
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is UserErrorException or InputFileException)
        {
            // An input file that cannot be read is the user's to fix, as any other user error.
            stderr.WriteLine("pipeline: " + ex.Message);
            return UsageError;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine("pipeline: cancelled");
            return 130;
        }
        catch (Exception ex)
        {
            // Not the user's mistake, but still one readable line; PIPELINE_DEBUG=1 shows the whole exception.
            stderr.WriteLine($"pipeline: error: {ex.Message}");
            if (Environment.GetEnvironmentVariable("PIPELINE_DEBUG") == "1")
            {
                stderr.WriteLine(ex.ToString());
            }

            return 1;
        }
    }
}
