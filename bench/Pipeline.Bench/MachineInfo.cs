using System.Runtime;
using System.Runtime.InteropServices;

namespace Pipeline.Bench;

/// <summary>Where the numbers come from.</summary>
internal sealed record MachineInfo(string CpuModel, int LogicalCores, string Os, string Runtime, string Gc, string Date)
{
    public static MachineInfo Collect()
    {
        var cpu = "unknown";
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                cpu = File.ReadLines("/proc/cpuinfo")
                    .Where(l => l.StartsWith("model name", StringComparison.Ordinal))
                    .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
                    .FirstOrDefault() ?? cpu;
            }
        }
        catch (IOException)
        {
            // Not Linux, or not readable: say so rather than guess.
        }

        var gc = (GCSettings.IsServerGC ? "server" : "workstation") + (GCSettings.LatencyMode == GCLatencyMode.Batch ? ", non-concurrent" : ", concurrent");
        return new MachineInfo(cpu, Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, gc,
            DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture));
    }
}
