using System.Globalization;
using Pipeline.Azure.EventHubs;
using Pipeline.Core.Rules;
using Pipeline.Core.Simulation;
using Pipeline.Local;

namespace Pipeline.Cli.EventHubs;

/// <summary><c>pipeline simulate --to eventhubs</c>: the simulated fleet sent to a hub in real time, partition key = device id.</summary>
internal static class HubSimulation
{
    public static async Task<int> SendAsync(CliIo io, HubConnection hub, int devices, int seed, TimeSpan interval, TimeSpan? duration, CancellationToken cancellationToken)
    {
        var time = io.Context.Time;
        // The first sample is strictly after now.
        using var feed = SimulatedFeed.Live(time.GetUtcNow().AddTicks(1), devices, seed, interval, duration);
        var start = feed.Simulator.Options.Start;
        var producer = hub.CreateProducer();
        await using var producerScope = producer.ConfigureAwait(false);
        var sender = new HubSender(producer, time);
        var clock = new LiveClock(time);
        io.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pipeline simulate: {devices} devices, one sample each every {DurationText.Format(interval)} ({devices / interval.TotalSeconds:0.#} events/s) to hub '{hub.Hub}' in {hub.Where}; Ctrl+C to stop"));
        var total = default(HubSendResult);
        var lastProgress = clock.Now;
        var progress = io.Context.StderrIsTerminal;
        try
        {
            while (feed.NextTime is { } due)
            {
                await clock.WaitUntilAsync(due, cancellationToken).ConfigureAwait(false);
                var batch = feed.TakeUntil(clock.Now);
                await HubErrors.RunAsync(hub, HubConnection.SenderRole, async () =>
                    total += await sender.SendAsync(batch, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);

                if (progress && clock.Now - lastProgress >= TimeSpan.FromSeconds(1))
                {
                    var seconds = Math.Max(1, (clock.Now - start).TotalSeconds);
                    io.Stderr.Write(string.Create(CultureInfo.InvariantCulture,
                        $"\r  sent {total.Sent:N0}  {total.Sent / seconds:N0} events/s  failures {total.Failed:N0}  throttling retries {total.Retries:N0}   "));
                    lastProgress = clock.Now;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: report what was sent.
        }

        if (progress)
        {
            io.Stderr.WriteLine();
        }

        io.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sent {total.Sent:N0} events in {total.Batches:N0} batches; {total.Failed:N0} events failed; {total.Retries:N0} retries after throttling"));
        return total.Failed == 0 ? 0 : 1;
    }
}
