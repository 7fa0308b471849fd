namespace Pipeline.Cli;

public static class Program
{
    public static Task<int> Main(string[] args) =>
        CommandLine.RunAsync(args, Console.Out, Console.Error, CliContext.FromConsole() with { HandleProcessTermination = true });
}
