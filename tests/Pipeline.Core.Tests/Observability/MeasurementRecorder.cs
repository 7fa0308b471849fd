using System.Diagnostics.Metrics;

namespace Pipeline.Core.Tests.Observability;

/// <summary>Every measurement of one meter, in order, collected by a <see cref="MeterListener"/>.</summary>
internal sealed class MeasurementRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<Measured> _measured = [];

    public MeasurementRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>One measurement: the instrument, the value and its tags as <c>name=value</c>, sorted.</summary>
    public sealed record Measured(string Instrument, double Value, string Tags);

    public IReadOnlyList<Measured> All
    {
        get
        {
            lock (_measured)
            {
                return [.. _measured];
            }
        }
    }

    /// <summary>The values of one instrument, with its tags, in recording order.</summary>
    public List<string> Of(string instrument) =>
        [.. All.Where(m => m.Instrument == instrument).Select(m => m.Tags.Length == 0 ? Format(m.Value) : $"{Format(m.Value)} {m.Tags}")];

    /// <summary>The sum of one instrument's values per tag set.</summary>
    public Dictionary<string, double> Sums(string instrument) =>
        All.Where(m => m.Instrument == instrument).GroupBy(m => m.Tags).ToDictionary(g => g.Key, g => g.Sum(m => m.Value), StringComparer.Ordinal);

    public void Dispose() => _listener.Dispose();

    private static string Format(double value) => value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var text = string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}").Order(StringComparer.Ordinal));
        lock (_measured)
        {
            _measured.Add(new Measured(instrument.Name, value, text));
        }
    }
}
