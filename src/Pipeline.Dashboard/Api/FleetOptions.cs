namespace Pipeline.Dashboard.Api;

/// <summary>How the fleet view judges devices.</summary>
public sealed record FleetOptions
{
    /// <summary>A device whose newest event is this far behind the fleet's newest event is shown as silent.</summary>
    public TimeSpan SilentAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Firing alerts read per fleet request.</summary>
    public int MaxFiringAlerts { get; init; } = 50_000;

    public void Validate()
    {
        if (SilentAfter <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(SilentAfter), SilentAfter, "Dashboard SilentAfter must be longer than 0s.");
        }

        if (MaxFiringAlerts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFiringAlerts), MaxFiringAlerts, "Dashboard MaxFiringAlerts must be at least 1.");
        }
    }
}
