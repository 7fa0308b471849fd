using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Pipeline.Dashboard.Tests;

/// <summary>
/// Fleet statuses that come from the engine's state rather than from the alert history: an <c>expected</c> key that
/// never sent is listed as silent, and a key whose rule is waiting out its <c>for</c> is listed as pending.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class FleetStatusTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    private static readonly LocatorAssertionsToHaveCountOptions s_wait = new() { Timeout = 30_000 };

    [Fact]
    public async Task An_expected_key_that_never_sent_is_listed_as_silent()
    {
        // ghost-01 is expected by the heartbeat but the simulator never sends it; the timeout is long enough that
        // the heartbeat does not fire during the test, so only the engine's state can put it in the list.
        const string Rules = """
            rules:
              - { id: offline, detector: { kind: heartbeat, timeout: 1h, expected: [ghost-01] } }
            """;
        using var dir = new TempDir();
        File.WriteAllText(dir.File("rules.yaml"), Rules);
        await using var run = await LocalRun.StartAsync("--source", "sim", "--devices", "6", "--interval", "1s",
            "--rules", dir.File("rules.yaml"), "--sink", "jsonl", "--out", dir.File("alerts.jsonl"), "--dead-letters", dir.File("dead.jsonl"));
        var page = await chromium.Browser.NewPageAsync();
        await page.GotoAsync(run.Address.AbsoluteUri);

        var ghost = page.Locator("#fleet-rows tr", new() { Has = page.Locator("button[data-device='ghost-01']") });
        await Assertions.Expect(ghost).ToHaveCountAsync(1, s_wait);
        await Assertions.Expect(ghost).ToHaveAttributeAsync("data-status", "silent");
        await Assertions.Expect(ghost).ToContainTextAsync("never");
        await Assertions.Expect(page.Locator("#fleet-rows tr")).ToHaveCountAsync(7, s_wait); // 6 simulated + ghost-01
        var shot = DashboardBrowserTests.Artifact("fleet-expected-key.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
        output.WriteLine($"screenshot: {shot}");
    }

    [Fact]
    public async Task A_key_waiting_out_its_for_is_listed_as_pending()
    {
        // Every simulated temperature is above -1000, so the condition holds at the first window close; the `for`
        // of one hour keeps the rule pending (no transition is published while pending).
        const string Rules = """
            rules:
              - id: always-warm
                metric: temperature
                window: { kind: tumbling, size: 2s }
                aggregate: max
                when: "> -1000"
                for: 1h
                severity: warning
            """;
        using var dir = new TempDir();
        File.WriteAllText(dir.File("rules.yaml"), Rules);
        await using var run = await LocalRun.StartAsync("--source", "sim", "--devices", "4", "--interval", "1s",
            "--rules", dir.File("rules.yaml"), "--sink", "jsonl", "--out", dir.File("alerts.jsonl"), "--dead-letters", dir.File("dead.jsonl"));
        var page = await chromium.Browser.NewPageAsync();
        await page.GotoAsync(run.Address.AbsoluteUri);

        await Assertions.Expect(page.Locator("#fleet-rows tr[data-status='pending']")).ToHaveCountAsync(4, s_wait);
        await Assertions.Expect(page.Locator("#fleet-counts")).ToContainTextAsync("4 pending", new() { Timeout = 30_000 });
        var alerts = dir.File("alerts.jsonl");
        Assert.Empty(File.Exists(alerts) ? await File.ReadAllLinesAsync(alerts) : []); // pending publishes nothing
    }
}
