using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Pipeline.Dashboard.Tests;

/// <summary>
/// The dashboard in a real browser over a real <c>pipeline run</c>: the simulated fleet listed, an injected fault's
/// alert arriving live, a device's chart with points and its threshold, and a hostile device id shown as text.
/// Every wait is on something the page shows (Playwright's retrying assertions), never a fixed delay.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed partial class DashboardBrowserTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    private const string HostileId = "<img src=x onerror=alert(1)>";

    // One rule with a plain threshold: the simulated chillers (about 70 °C) never reach it, the injected fault does.
    private const string Rules = """
        rules:
          - id: too-hot
            description: Temperature above 100 (10-second maximum)
            metric: temperature
            window: { kind: tumbling, size: 10s }
            aggregate: max
            when: "> 100"
            clear: "< 90"
            severity: critical
        """;

    private static readonly LocatorAssertionsToHaveCountOptions s_wait = new() { Timeout = 30_000 };

    [Fact]
    public async Task Fleet_live_alert_chart_and_escaping()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("rules.yaml"), Rules);
        await using var run = await LocalRun.StartAsync("--source", "sim", "--source", "http", "--devices", "12", "--interval", "1s",
            "--rules", dir.File("rules.yaml"), "--sink", "jsonl", "--out", dir.File("alerts.jsonl"), "--dead-letters", dir.File("dead.jsonl"));
        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var dialogs = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            _ = dialog.DismissAsync();
        };

        // The simulated fleet is listed.
        await page.GotoAsync(run.Address.AbsoluteUri);
        await Assertions.Expect(page.Locator("#conn")).ToHaveTextAsync("Live", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#fleet-rows tr")).ToHaveCountAsync(12, s_wait);
        await Assertions.Expect(page.Locator("#fleet-rows")).ToContainTextAsync("chiller-");

        // The health strip shows the four health rules over the pipeline's own metrics, none firing.
        await Assertions.Expect(page.Locator("#h-checks")).ToHaveTextAsync("all clear (4)", new() { Timeout = 30_000 });

        // A marker on the window: it survives only if the page is never reloaded.
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");

        // Inject a fault over HTTP: boiler-9 at 150 °C for 30 s, and a device whose id is markup.
        var now = DateTimeOffset.UtcNow;
        var lines = new StringBuilder();
        for (var s = -40; s <= 0; s += 2)
        {
            var ts = now.AddSeconds(s).ToString("O", CultureInfo.InvariantCulture);
            lines.Append(CultureInfo.InvariantCulture, $$$"""{"deviceId":"boiler-9","ts":"{{{ts}}}","temperature":150,"labels":{"site":"plant-9","deviceType":"chiller"}}""").Append('\n');
            lines.Append(CultureInfo.InvariantCulture, $$$"""{"deviceId":"<img src=x onerror=alert(1)>","ts":"{{{ts}}}","temperature":20,"labels":{"site":"<b>plant</b>"}}""").Append('\n');
        }

        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(run.Address, "/telemetry"), new StringContent(lines.ToString(), Encoding.UTF8, "application/x-ndjson"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());

        // The alert arrives without a reload: in the firing table, on top of the fleet, and in the timeline.
        var firing = page.Locator("#firing-rows tr", new() { HasText = "boiler-9" });
        await Assertions.Expect(firing).ToHaveCountAsync(1, s_wait);
        await Assertions.Expect(firing).ToContainTextAsync("too-hot");
        await Assertions.Expect(firing).ToContainTextAsync("critical");
        await Assertions.Expect(firing).ToContainTextAsync("max(temperature) > 100 (rule)");
        await Assertions.Expect(page.Locator("#timeline li", new() { HasText = "boiler-9" }).First).ToContainTextAsync("fired");
        await Assertions.Expect(page.Locator("#fleet-rows tr").First).ToContainTextAsync("boiler-9", new() { Timeout = 30_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"));

        // The hostile id and label are text: no element was made from them and no script ran.
        var hostile = page.Locator("#fleet-rows button", new() { HasText = HostileId });
        await Assertions.Expect(hostile).ToHaveCountAsync(1, s_wait);
        await Assertions.Expect(page.Locator("#fleet-rows")).ToContainTextAsync("<b>plant</b>");
        Assert.Equal(0, await page.Locator("main img, main b").CountAsync());
        Assert.Empty(dialogs);

        // The hostile device's own view works too (its id travels in the URL, escaped).
        await hostile.ClickAsync();
        await Assertions.Expect(page.Locator("#device-id")).ToHaveTextAsync(HostileId);
        await Assertions.Expect(page.Locator("#charts figure[data-metric='temperature']")).ToHaveCountAsync(1, s_wait);
        await page.Locator("#device-close").ClickAsync();

        // boiler-9's chart: points, the rule's threshold line and the alert period.
        await page.Locator("#fleet-rows button", new() { HasText = "boiler-9" }).ClickAsync();
        var chart = page.Locator("#charts figure[data-metric='temperature']");
        await Assertions.Expect(chart).ToHaveCountAsync(1, s_wait);
        Assert.True(int.Parse(await chart.GetAttributeAsync("data-points") ?? "0", CultureInfo.InvariantCulture) >= 1);
        Assert.Equal("1", await chart.GetAttributeAsync("data-thresholds"));
        await Assertions.Expect(chart.Locator("canvas")).ToHaveCountAsync(1);
        await Assertions.Expect(chart.Locator(".u-legend")).ToContainTextAsync("threshold too-hot critical max(temperature) > 100 (rule)");
        await Assertions.Expect(page.Locator("#device-alerts")).ToContainTextAsync("too-hot: firing");
        Assert.Empty(dialogs);

        var shot = Artifact("dashboard-device.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
        output.WriteLine($"screenshot: {shot}");
    }

    [Fact]
    public async Task Bad_query_parameters_get_a_clear_error_not_an_exception()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("rules.yaml"), Rules);
        await using var run = await LocalRun.StartAsync("--source", "http", "--rules", dir.File("rules.yaml"), "--sink", "jsonl",
            "--out", dir.File("alerts.jsonl"), "--dead-letters", dir.File("dead.jsonl"));
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(run.Address, "/api/devices?limit=0&status=burning"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("""{"error":"status must be one of ok, silent, pending, firing; not 'burning'."}""", await response.Content.ReadAsStringAsync());
        using var missing = await http.GetAsync(new Uri(run.Address, "/assets/../../etc/passwd"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }

    internal static string Artifact(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }
}

internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("pipeline-dashboard-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
