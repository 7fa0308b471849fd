using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Pipeline.Dashboard.Tests;

/// <summary>The demo's overheat as the dashboard shows it, and a fleet of 10,000 devices (whose first render is reported, not asserted).</summary>
[Collection(BrowserTests.Name)]
public sealed class DemoAndScaleTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    private static readonly LocatorAssertionsToHaveCountOptions s_wait = new() { Timeout = 60_000 };

    [Fact]
    public async Task Demo_serve_shows_the_overheat_of_chiller_02()
    {
        using var dir = new TempDir();

        // 18 simulated minutes end while chiller-02's overheat (fired at 00:14, resolved at 00:22) is firing.
        await using var demo = await LocalRun.StartCommandAsync(["demo", "--duration", "18m", "--serve", "--http-port", "0", "--out", dir.File("alerts.jsonl")]);
        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 860 } });
        await page.GotoAsync(demo.Address.AbsoluteUri);
        var top = page.Locator("#fleet-rows tr").First;
        await Assertions.Expect(top).ToContainTextAsync("chiller-02", new() { Timeout = 30_000 });
        await Assertions.Expect(top).ToContainTextAsync("firing · critical");
        var overheat = page.Locator("#firing-rows tr", new() { HasText = "overheat" });
        await Assertions.Expect(overheat).ToContainTextAsync("avg(temperature) > 80 (rule)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = DashboardBrowserTests.Artifact("dashboard-demo-fleet.png") });

        await page.Locator("#fleet-rows button", new() { HasText = "chiller-02" }).ClickAsync();
        var chart = page.Locator("#charts figure[data-metric='temperature']");
        await Assertions.Expect(chart).ToHaveCountAsync(1, s_wait);
        Assert.Equal("18", await chart.GetAttributeAsync("data-points")); // one-minute buckets, 00:00 to 00:17
        var shot = DashboardBrowserTests.Artifact("dashboard-demo-device.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
        output.WriteLine($"screenshots: {Path.GetDirectoryName(shot)}");
    }

    [Fact]
    public async Task Ten_thousand_devices_are_listed_a_page_at_a_time()
    {
        using var dir = new TempDir();
        await using var run = await LocalRun.StartAsync("--source", "sim", "--devices", "10000", "--interval", "2s", "--sink", "jsonl",
            "--out", dir.File("alerts.jsonl"), "--dead-letters", dir.File("dead.jsonl"));
        var warm = await chromium.Browser.NewPageAsync();
        await warm.GotoAsync(run.Address.AbsoluteUri);
        // The 10,000 simulated devices, all ok; chiller-18, which the sample rules' heartbeat expects and the simulated
        // fleet never sends as, joins the list as silent once a Sweep has run, so the total is 10,000 or 10,001.
        await Assertions.Expect(warm.Locator("#fleet-counts")).ToContainTextAsync("10000 ok", new() { Timeout = 60_000 });
        await warm.CloseAsync();

        // A fresh page over the whole fleet, while the simulator keeps 5,000 events a second coming.
        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        await page.GotoAsync(run.Address.AbsoluteUri);
        await Assertions.Expect(page.Locator("#fleet-rows tr")).ToHaveCountAsync(100, s_wait);
        await Assertions.Expect(page.Locator("#page-text")).ToHaveTextAsync(new Regex("^1–100 of 1000[01]$"));
        var rendered = await page.EvaluateAsync<double>("() => performance.getEntriesByName('fleet-rendered')[0].startTime");
        var breakdown = await page.EvaluateAsync<string>("""
            () => {
              const nav = performance.getEntriesByType('navigation')[0];
              const api = performance.getEntriesByType('resource').find(e => e.name.includes('/api/devices'));
              const open = performance.getEntriesByName('stream-open')[0];
              const ms = (v) => v === undefined ? 'n/a' : Math.round(v) + ' ms';
              return 'page html ' + ms(nav.responseEnd) + ', DOMContentLoaded ' + ms(nav.domContentLoadedEventEnd)
                + ', first /api/devices sent ' + ms(api && api.requestStart) + ' answered in ' + ms(api && api.responseStart - api.requestStart)
                + ' (' + ms(api && api.responseEnd) + ' done), stream open ' + ms(open && open.startTime);
            }
            """);
        var bytes = await page.EvaluateAsync<double>("() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).reduce((s, e) => s + e.encodedBodySize, 0)");

        await page.Locator("#next").ClickAsync();
        await Assertions.Expect(page.Locator("#page-text")).ToHaveTextAsync(new Regex("^101–200 of 1000[01]$"));
        var line = string.Create(CultureInfo.InvariantCulture, $"10000 devices: first fleet render {rendered:0} ms after navigation start ({breakdown}); page and API bytes {bytes:0}");
        output.WriteLine(line);
        File.WriteAllText(DashboardBrowserTests.Artifact("fleet-10000.txt"), line + "\n");
    }
}
