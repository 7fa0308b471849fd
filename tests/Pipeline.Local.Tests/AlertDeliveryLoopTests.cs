using System.Threading.Channels;
using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.State;
using Pipeline.Local;

namespace Pipeline.Local.Tests;

/// <summary>Issue 12, item 5: alert delivery runs apart from intake and retries a failing receiver with backoff.</summary>
public sealed class AlertDeliveryLoopTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Telemetry Reading(string device, double seconds, double temperature) =>
        new(device, T0.AddSeconds(seconds), new Dictionary<string, double>(StringComparer.Ordinal) { ["temperature"] = temperature }, null, SourcePosition.None);

    private static PartitionedProcessor Deferred(IAlertSink sink, Action<IReadOnlyList<AlertEvent>> delivered) =>
        new(Samples.Hot, [new MemoryStateStore()], sink, new MemoryDeadLetterStore(), new ProcessorOptions { Environment = "test", DeferDelivery = true },
            parallel: false, sequenceBase: 0)
        { Delivered = delivered };

    /// <summary>
    /// A receiver whose every call the test decides: each call is announced on <see cref="Calls"/> and waits for the
    /// test's verdict (true: delivered, false: 500).
    /// </summary>
    private sealed class GatedSink : IAlertSink
    {
        public Channel<(IReadOnlyList<AlertEvent> Alerts, TaskCompletionSource<bool> Verdict)> Calls { get; } =
            Channel.CreateUnbounded<(IReadOnlyList<AlertEvent>, TaskCompletionSource<bool>)>();

        public async Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
        {
            var verdict = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            await Calls.Writer.WriteAsync((alerts, verdict), cancellationToken);
            if (!await verdict.Task.WaitAsync(cancellationToken))
            {
                throw new HttpRequestException("receiver answered 500");
            }
        }

        public async Task<(IReadOnlyList<AlertEvent> Alerts, TaskCompletionSource<bool> Verdict)> NextCallAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            return await Calls.Reader.ReadAsync(timeout.Token);
        }
    }

    [Fact]
    public async Task A_failing_receiver_is_retried_after_doubling_waits_until_it_recovers_and_intake_never_waits_for_it()
    {
        var time = new TimerSignallingTimeProvider(T0);
        var sink = new GatedSink();
        var delivered = new TaskCompletionSource<IReadOnlyList<AlertEvent>>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var processor = Deferred(sink, alerts => delivered.TrySetResult(alerts));
        await using var loop = new AlertDeliveryLoop(processor, time);
        loop.Start();

        await processor.SubmitAsync([Reading("d1", 0, 85)], T0, CancellationToken.None);        // fires; intake returns
        var first = await sink.NextCallAsync();                                                  // the loop delivers
        await processor.SubmitAsync([Reading("d2", 1, 20)], T0, CancellationToken.None);         // intake while the receiver has not answered
        first.Verdict.SetResult(false);                                                          // 500
        Assert.Equal(TimeSpan.FromSeconds(1), await time.NextTimerAsync());                      // wait 1 s
        time.Advance(TimeSpan.FromSeconds(1));
        (await sink.NextCallAsync()).Verdict.SetResult(false);                                   // 500 again
        Assert.Equal(TimeSpan.FromSeconds(2), await time.NextTimerAsync());                      // wait 2 s
        time.Advance(TimeSpan.FromSeconds(2));
        var third = await sink.NextCallAsync();
        third.Verdict.SetResult(true);                                                           // delivered

        Assert.Equal(["hot d1 Fired"], third.Alerts.Select(a => $"{a.Data.RuleId} {a.Data.Key} {a.Kind}"));
        Assert.Equal(["hot d1 Fired"], (await delivered.Task.WaitAsync(TimeSpan.FromSeconds(60))).Select(a => $"{a.Data.RuleId} {a.Data.Key} {a.Kind}"));
        Assert.Equal(0, processor.PendingAlerts);                                                // cleared once delivered
        Assert.Equal(2, processor.Totals().Events.Applied);                                      // both intakes applied
        Assert.Equal(2, processor.Totals().PublishFailures);
    }
}
