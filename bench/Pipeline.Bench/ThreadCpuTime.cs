using System.Runtime.InteropServices;

namespace Pipeline.Bench;

/// <summary>
/// CPU time of the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>), so a run on a shared machine can also be
/// judged by the CPU it used, not only by wall-clock time that includes being preempted. Zero where unavailable.
/// </summary>
internal static partial class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    private static readonly bool s_available = OperatingSystem.IsLinux() && Probe();

    public static bool IsAvailable => s_available;

    /// <summary>Nanoseconds of CPU time used by this thread so far.</summary>
    public static long NowNanoseconds()
    {
        if (!s_available)
        {
            return 0;
        }

        _ = clock_gettime(ClockThreadCpuTimeId, out var ts);
        return (ts.Seconds * 1_000_000_000L) + ts.Nanoseconds;
    }

    private static bool Probe()
    {
        try
        {
            return clock_gettime(ClockThreadCpuTimeId, out _) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", SetLastError = false)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int clock_gettime(int clockId, out Timespec ts);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
