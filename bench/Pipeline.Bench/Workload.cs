using Pipeline.Core.Events;

namespace Pipeline.Bench;

/// <summary>
/// The deterministic benchmark stream. Round <c>r</c> holds one event per key, keys in index order (key-interleaved),
/// each key's events 10 s of event time apart and in time order. Every event carries <c>temperature</c> and
/// <c>vibration</c> and two labels (<c>deviceType</c>, <c>site</c>). Values are hash-based noise, the same in every
/// run. Injected anomalies repeat every <see cref="Period"/> rounds at a per-key phase so alerts keep happening:
/// <list type="bullet">
/// <item>overheat: every 25th key runs at 88 °C (instead of 70) for 12 rounds (2 min): the 1-minute average fires
/// above 80 and resolves below 75 afterwards;</item>
/// <item>vibration spike: every 10th key reads 35 (instead of 5 ± 0.5) for one event: z-score far above 4;</item>
/// <item>silence: every 50th key sends nothing for 15 rounds (150 s): the 2-minute heartbeat fires and resolves.</item>
/// </list>
/// Normal noise is bounded (uniform), so no alert depends on the last bits of a floating-point sum.
/// </summary>
internal sealed class Workload
{
    public const int RoundSeconds = 10;
    public const int Period = 120;
    public const string Partition = "0";

    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] s_types = ["chiller", "pump", "sensor"];

    private readonly string[] _names;
    private readonly int[] _phases;
    private readonly IReadOnlyDictionary<string, string>[] _labelSets;

    public Workload(int keys)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keys);
        Keys = keys;
        _names = new string[keys];
        _phases = new int[keys];
        for (var k = 0; k < keys; k++)
        {
            _names[k] = "dev-" + k.ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
            _phases[k] = (int)(Mix((ulong)k, 0x5eed) % Period);
        }

        // Devices of one type and site share one labels dictionary, as the decoder's per-device cache would give.
        _labelSets = new IReadOnlyDictionary<string, string>[s_types.Length * 7];
        for (var i = 0; i < _labelSets.Length; i++)
        {
            _labelSets[i] = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["deviceType"] = s_types[i % s_types.Length],
                ["site"] = "plant-" + ((i / s_types.Length) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
        }
    }

    public int Keys { get; }

    public string Name(int key) => _names[key];

    /// <summary>The event time of key <paramref name="key"/> in round <paramref name="round"/> (keys spread over the round's 10 s).</summary>
    public static long Ticks(int key, int round) =>
        Start.UtcTicks + (round * (long)RoundSeconds * TimeSpan.TicksPerSecond) + ((key % RoundSeconds) * TimeSpan.TicksPerSecond);

    /// <summary>Processing time while round <paramref name="round"/> is delivered: the end of the round's 10 s.</summary>
    public static DateTimeOffset ProcessingTime(int round) => Start.AddSeconds((round + 1) * (double)RoundSeconds);

    /// <summary>The processing time of a batch whose last event is <paramref name="last"/>: the end of that event's round.</summary>
    public static DateTimeOffset ProcessingTimeAfter(Telemetry last) =>
        ProcessingTime((int)((last.Timestamp.UtcTicks - Start.UtcTicks) / (RoundSeconds * TimeSpan.TicksPerSecond)));

    public bool IsSilent(int key, int round) => key % 50 == 2 && Local(key, round) is >= 80 and < 95;

    /// <summary>Key <paramref name="key"/>'s event in round <paramref name="round"/>, or null while it is silent.</summary>
    public Telemetry? Create(int key, int round)
    {
        if (IsSilent(key, round))
        {
            return null;
        }

        var local = Local(key, round);
        var noise = Mix((ulong)key, (ulong)round);
        var u1 = (noise >> 11) * (1.0 / (1UL << 53));
        var u2 = (Mix(noise, 17) >> 11) * (1.0 / (1UL << 53));
        var hot = key % 25 == 0 && local is >= 30 and < 42;
        var spike = key % 10 == 1 && local == 60;
        var temperature = Math.Round((hot ? 88 : 70) + (4 * (u1 - 0.5)), 2);
        var vibration = spike ? 35.0 : Math.Round(5 + (u2 - 0.5), 3);
        var metrics = new Dictionary<string, double>(2, StringComparer.Ordinal)
        {
            ["temperature"] = temperature,
            ["vibration"] = vibration,
        };
        var sequence = (round * (long)Keys) + key;
        var time = new DateTimeOffset(Ticks(key, round), TimeSpan.Zero);
        return new Telemetry(_names[key], time, metrics, _labelSets[key % _labelSets.Length],
            new SourcePosition(Partition, sequence, time.AddMilliseconds(500)));
    }

    /// <summary>All events of rounds <c>[0, rounds)</c> in stream order.</summary>
    public List<Telemetry> Generate(int rounds)
    {
        var list = new List<Telemetry>(rounds * Keys);
        var cursor = new Cursor(this, 0);
        var batch = new Telemetry[4096];
        while (cursor.Round < rounds)
        {
            var n = cursor.Fill(batch, rounds, out _);
            list.AddRange(batch.AsSpan(0, n));
        }

        return list;
    }

    private int Local(int key, int round) => (round + _phases[key]) % Period;

    internal static ulong Mix(ulong a, ulong b)
    {
        // SplitMix64 finaliser over both inputs: cheap, well spread and identical on every machine.
        var z = (a * 0x9E3779B97F4A7C15UL) ^ (b + 0xBF58476D1CE4E5B9UL + (a << 6) + (a >> 2));
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Walks the stream in order, a batch at a time.</summary>
    internal sealed class Cursor(Workload workload, int round)
    {
        private int _key;

        public int Round { get; private set; } = round;

        /// <summary>Fills up to <c>batch.Length</c> events of rounds before <paramref name="endRound"/>; returns how many.</summary>
        public int Fill(Telemetry[] batch, int endRound, out DateTimeOffset processingTime)
        {
            var n = 0;
            var last = Round;
            while (n < batch.Length && Round < endRound)
            {
                if (workload.Create(_key, Round) is { } e)
                {
                    batch[n++] = e;
                    last = Round;
                }

                if (++_key == workload.Keys)
                {
                    _key = 0;
                    Round++;
                }
            }

            processingTime = ProcessingTime(last);
            return n;
        }
    }
}
