using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Tests.Support;
using static Pipeline.Core.Tests.Support.TestRules;

namespace Pipeline.Core.Tests.Alerts.Silences;

/// <summary>What the gate remembers: decisions of open episodes, a bounded number of closed ones, and a hard cap.</summary>
public sealed class NotificationGateMemoryTests
{
    [Fact]
    public void Episodes_opened_and_resolved_do_not_leave_their_decisions_behind()
    {
        // 6,000 episodes of one device, each a Fired and a Resolved: 12,000 transitions.
        var t = new Timeline(Set(Threshold("hot", "temperature", "> 80", "< 75")));
        for (var i = 0; i < 6_000; i++)
        {
            t.Send("temperature", (i * 20, 85), ((i * 20) + 10, 70));
        }

        var gate = new NotificationGate([], []);
        foreach (var alert in t.Alerts)
        {
            gate.Decide([alert]);
        }

        Assert.Equal(12_000, t.Alerts.Count);
        // Nothing is open; only the last closed decisions are kept for redelivery (10,000 by default).
        Assert.Equal(10_000, gate.Remembered);
    }
}
