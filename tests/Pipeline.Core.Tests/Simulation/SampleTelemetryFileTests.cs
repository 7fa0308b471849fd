using System.Text;
using Pipeline.Core.Events;
using Pipeline.Core.Simulation;

namespace Pipeline.Core.Tests.Simulation;

/// <summary>
/// samples/telemetry.jsonl must be exactly what <see cref="FleetOptions.Sample"/> produces. To regenerate it after a
/// deliberate change to the simulator or the encoder, run this test with PIPELINE_WRITE_SAMPLES=1.
/// </summary>
public sealed class SampleTelemetryFileTests
{
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Pipeline.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Pipeline.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Expected()
    {
        var builder = new StringBuilder();
        foreach (var telemetry in new FleetSimulator(FleetOptions.Sample).Generate())
        {
            builder.Append(Encoding.UTF8.GetString(TelemetryEncoder.ToJson(telemetry))).Append('\n');
        }

        return builder.ToString();
    }

    [Fact]
    public void The_committed_sample_is_what_the_simulator_produces()
    {
        var path = Path.Combine(RepositoryRoot(), "samples", "telemetry.jsonl");
        var expected = Expected();
        if (Environment.GetEnvironmentVariable("PIPELINE_WRITE_SAMPLES") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, expected, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }

        Assert.True(File.Exists(path), $"{path} is missing; run this test with PIPELINE_WRITE_SAMPLES=1 to create it.");
        var actual = File.ReadAllText(path).ReplaceLineEndings("\n");
        Assert.True(expected == actual, $"{path} differs from FleetOptions.Sample's events; run this test with PIPELINE_WRITE_SAMPLES=1 to regenerate it.");
    }

    [Fact]
    public void Every_line_of_the_sample_decodes()
    {
        var path = Path.Combine(RepositoryRoot(), "samples", "telemetry.jsonl");
        var decoder = new TelemetryDecoder();
        var lines = File.ReadAllLines(path);

        Assert.Equal(2130, lines.Length);
        Assert.All(lines, line => Assert.True(decoder.TryDecode(new RawEvent(Encoding.UTF8.GetBytes(line), SourcePosition.None), out _, out var failure), failure.ToString()));
    }
}
