using Pipeline.Core.Events;

namespace Pipeline.Core.Simulation;

/// <summary>The simulated fleet as a source: hands out the events whose time has come, one instant at a time.</summary>
public sealed class SimulatedFeed : IDisposable
{
    private readonly IEnumerator<Telemetry> _events;
    private bool _hasNext;

    public SimulatedFeed(FleetSimulator simulator)
    {
        Simulator = simulator ?? throw new ArgumentNullException(nameof(simulator));
        _events = simulator.Generate().GetEnumerator();
        _hasNext = _events.MoveNext();
    }

    public FleetSimulator Simulator { get; }

    /// <summary>A fleet sending live from the first whole second at or after <paramref name="from"/>: readable event times, first samples within a second.</summary>
    public static SimulatedFeed Live(DateTimeOffset from, int devices, int seed, TimeSpan interval, TimeSpan? duration = null) =>
        new(new FleetSimulator(new FleetOptions
        {
            Start = new DateTimeOffset((from.UtcTicks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero),
            Devices = devices,
            Seed = seed,
            Interval = interval,
            Duration = duration,
        }));

    /// <summary>Event time of the next event, or null when the fleet's run is over.</summary>
    public DateTimeOffset? NextTime => _hasNext ? _events.Current.Timestamp : null;

    /// <summary>All events with a time at or before <paramref name="now"/>.</summary>
    public List<Telemetry> TakeUntil(DateTimeOffset now)
    {
        var batch = new List<Telemetry>();
        while (_hasNext && _events.Current.Timestamp <= now)
        {
            batch.Add(_events.Current);
            _hasNext = _events.MoveNext();
        }

        return batch;
    }

    public void Dispose() => _events.Dispose();
}
