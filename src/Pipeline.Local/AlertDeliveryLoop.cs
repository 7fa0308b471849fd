using Pipeline.Core.Processing;

namespace Pipeline.Local;

/// <summary>
/// Publishes what a processor built with <see cref="ProcessorOptions.DeferDelivery"/> leaves in its outboxes, apart
/// from intake: a receiver that answers 500 or never answers delays alerts, never the events behind them. It sleeps
/// until the processor reports alerts waiting, then delivers; after a failed delivery it waits the processor's backoff
/// (<see cref="PartitionedProcessor.NextDeliveryAttempt"/>) on the injected clock.
/// </summary>
public sealed class AlertDeliveryLoop : IAsyncDisposable
{
    /// <summary>Wait after a round that failed outside the sink (the state store), before the next one.</summary>
    public static readonly TimeSpan FailedRoundDelay = TimeSpan.FromSeconds(1);

    private readonly PartitionedProcessor _processor;
    private readonly TimeProvider _time;
    private readonly Action<Exception>? _roundFailed;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;

    /// <param name="roundFailed">Told when a round fails outside the sink (the state store); the loop goes on.</param>
    public AlertDeliveryLoop(PartitionedProcessor processor, TimeProvider time, Action<Exception>? roundFailed = null)
    {
        _processor = processor ?? throw new ArgumentNullException(nameof(processor));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _roundFailed = roundFailed;
        _processor.AlertsWaiting = Wake;
    }

    /// <summary>Starts the loop; later calls do nothing.</summary>
    public void Start() => _run ??= Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Alerts are waiting: deliver them (a signal, kept until the loop next looks).</summary>
    public void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Another caller woke it first: the signal is already there.
        }
        catch (ObjectDisposedException)
        {
            // Stopped: what waits stays in the persisted outboxes for the next run.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_run is { } run)
        {
            try
            {
                await run.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }

        _processor.AlertsWaiting = null;
        _stop.Dispose();
        _wake.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var failed = false;
            try
            {
                await _processor.DeliverAsync(_time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The sink's failures are the processor's (its backoff); this is the store failing to clear them.
                _roundFailed?.Invoke(ex);
                failed = true;
            }

            if (failed)
            {
                await Task.Delay(FailedRoundDelay, _time, cancellationToken).ConfigureAwait(false);
            }
            else if (_processor.PendingAlerts == 0)
            {
                await _wake.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (_processor.NextDeliveryAttempt is { } next && next > _time.GetUtcNow())
            {
                // The sink failed: new alerts wait with the old ones until the backoff ends.
                await Task.Delay(next - _time.GetUtcNow(), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
