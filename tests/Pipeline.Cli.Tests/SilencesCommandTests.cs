using System.Net;
using System.Text;
using System.Text.Json;
using Pipeline.Local;

namespace Pipeline.Cli.Tests;

/// <summary><c>pipeline silences add|list|expire</c>, a replay that honours them, and <c>/api/silences</c> on a run's server.</summary>
public sealed class SilencesCommandTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private const string Rules = """
        defaults: { outOfOrderTolerance: 0s }
        rules:
          - { id: hot, metric: temperature, when: "> 80", clear: "< 75", severity: critical }
        """;

    private static Task<CliResult> RunAsync(string silences, DateTimeOffset now, params string[] args) =>
        CliRunner.RunAsync(new Pipeline.Cli.CliContext { Time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(now), SilencesPath = silences }, args);

    private static string[] Lines(string text) => text.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');

    [Fact]
    public async Task Add_list_and_expire_a_silence_in_the_file()
    {
        using var dir = new TempDir();
        var file = dir.File("silences.json");

        var added = await RunAsync(file, T0, "silences", "add", "--id", "s1", "--rule", "hot", "--label", "site=plant-6",
            "--for", "2h", "--author", "ops", "--comment", "pump swap");
        var pending = await RunAsync(file, T0, "silences", "add", "--id", "s2", "--device", "d9", "--starts-at", "2026-03-01T09:00:00Z",
            "--ends-at", "2026-03-01T09:30:00Z", "--author", "ops");
        var listed = await RunAsync(file, T0.AddMinutes(1), "silences", "list");
        var expired = await RunAsync(file, T0.AddMinutes(10), "silences", "expire", "s1");
        var after = await RunAsync(file, T0.AddMinutes(10), "silences", "list");
        var all = await RunAsync(file, T0.AddMinutes(10), "silences", "list", "--all");

        Assert.Equal((0, 0, 0, 0), (added.ExitCode, pending.ExitCode, listed.ExitCode, expired.ExitCode));
        Assert.Equal($"added silence s1 to {file}: rule=hot site=plant-6 from 2026-03-01T08:00:00Z to 2026-03-01T10:00:00Z (active) by ops: pump swap\n",
            added.Stdout.ReplaceLineEndings("\n"));
        Assert.Equal(
        [
            "s1  rule=hot site=plant-6 from 2026-03-01T08:00:00Z to 2026-03-01T10:00:00Z (active) by ops: pump swap",
            "s2  device=d9 from 2026-03-01T09:00:00Z to 2026-03-01T09:30:00Z (pending) by ops",
            "2 silences",
        ], Lines(listed.Stdout));
        Assert.Equal("expired silence s1: rule=hot site=plant-6 from 2026-03-01T08:00:00Z to 2026-03-01T08:10:00Z (expired) by ops: pump swap\n",
            expired.Stdout.ReplaceLineEndings("\n"));
        Assert.Equal(["s2  device=d9 from 2026-03-01T09:00:00Z to 2026-03-01T09:30:00Z (pending) by ops", "1 silence"], Lines(after.Stdout));
        Assert.Equal("2 silences", Lines(all.Stdout)[^1]);                        // s1 (expired) and s2
        Assert.Contains("(expired)", Lines(all.Stdout)[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_silence_exits_2_naming_every_bad_field_and_an_unknown_id_exits_1()
    {
        using var dir = new TempDir();
        var file = dir.File("silences.json");

        var invalid = await RunAsync(file, T0, "silences", "add", "--starts-at", "2026-03-01T09:00:00Z", "--ends-at", "2026-03-01T08:30:00Z");
        var noEnd = await RunAsync(file, T0, "silences", "add", "--device", "d1", "--author", "ops");
        var unknown = await RunAsync(file, T0, "silences", "expire", "nope");

        Assert.Equal(2, invalid.ExitCode);
        Assert.Equal("pipeline: invalid silence: matchers: give at least one of rule, device or labels; "
            + "endsAt: must be after startsAt (2026-03-01T09:00:00.0000000+00:00), got 2026-03-01T08:30:00.0000000+00:00; author: must not be empty\n",
            invalid.Stderr.ReplaceLineEndings("\n"));
        Assert.Equal(2, noEnd.ExitCode);
        Assert.Equal("pipeline: say when the silence ends: --for DURATION or --ends-at TIME\n", noEnd.Stderr.ReplaceLineEndings("\n"));
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal($"pipeline: no silence 'nope' in {file}\n", unknown.Stderr.ReplaceLineEndings("\n"));
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task A_replay_does_not_deliver_what_a_silence_covers_and_does_not_send_its_resolve_after_the_silence_ends()
    {
        using var dir = new TempDir();
        var silences = dir.File("silences.json");
        await File.WriteAllTextAsync(dir.File("rules.yaml"), Rules);
        string Event(int seconds, double temperature) =>
            $$"""{"deviceId":"d1","ts":"{{T0.AddSeconds(seconds):yyyy-MM-ddTHH:mm:ssZ}}","temperature":{{temperature}}}""";
        await File.WriteAllLinesAsync(dir.File("recording.jsonl"),
        [
            Event(0, 70),   // quiet
            Event(10, 85),  // fires inside the silence [0s, 60s): not delivered
            Event(90, 70),  // resolves after the silence ended: the episode was never notified, so neither is this
            Event(120, 90), // fires: a new episode, delivered
            Event(130, 70), // resolves: delivered
        ]);
        var add = await RunAsync(silences, T0, "silences", "add", "--id", "s1", "--rule", "hot", "--device", "d1", "--for", "1m", "--author", "ops");
        Assert.Equal(0, add.ExitCode);

        var replay = await RunAsync(silences, T0, "replay", dir.File("recording.jsonl"), "--rules", dir.File("rules.yaml"), "--out", dir.File("alerts.jsonl"),
            "--dead-letters", dir.File("dead.jsonl"));

        Assert.Equal(0, replay.ExitCode);
        var alerts = await JsonLinesAlertSink.ReadAllAsync(dir.File("alerts.jsonl"));
        Assert.Equal(["Fired 120", "Resolved 130"], alerts.Select(a => $"{a.Kind} {(a.Time - T0).TotalSeconds}"));
        Assert.Contains("2 alert CloudEvents written to", replay.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_run_server_serves_api_silences_on_the_silences_file()
    {
        using var dir = new TempDir();
        var silences = dir.File("silences.json");
        await File.WriteAllTextAsync(dir.File("rules.yaml"), Rules);
        var time = new TimerSignallingTimeProvider(T0);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new Pipeline.Cli.CliContext { Time = time, SilencesPath = silences, HttpListening = uri => listening.TrySetResult(uri) };
        var run = CliRunner.RunAsync(context, ["run", "--source", "http", "--http-port", "0", "--rules", dir.File("rules.yaml"), "--sink", "jsonl",
            "--out", dir.File("alerts.jsonl"), "--dead-letters", dir.File("dead.jsonl"), "--for", "10s"]);
        Assert.NotEqual(run, await Task.WhenAny(listening.Task, run));
        using var http = new HttpClient { BaseAddress = await listening.Task };

        using var created = await http.PostAsync("/api/silences", new StringContent(
            """{"id":"s1","rule":"hot","endsAt":"2026-03-01T09:00:00Z","author":"ops"}""", Encoding.UTF8, "application/json"));
        using var invalid = await http.PostAsync("/api/silences", new StringContent(
            """{"rule":"hot","endsAt":"2026-03-01T07:00:00Z"}""", Encoding.UTF8, "application/json"));
        var listed = await http.GetStringAsync("/api/silences");
        using var deleted = await http.DeleteAsync("/api/silences/s1");
        var all = await http.GetStringAsync("/api/silences?status=all");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        using (var errors = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync()))
        {
            Assert.Equal(["author: is required"], errors.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetString()));
        }

        Assert.Equal("""{"silences":[{"id":"s1","rule":"hot","device":null,"labels":{},"startsAt":"2026-03-01T08:00:00Z","endsAt":"2026-03-01T09:00:00Z","author":"ops","comment":""}]}""", listed);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Contains("\"endsAt\":\"2026-03-01T08:00:00Z\"", all, StringComparison.Ordinal);  // ended at the run's now
        Assert.Contains("\"id\":\"s1\"", await File.ReadAllTextAsync(silences), StringComparison.Ordinal); // kept in the file the CLI commands use

        await time.DriveUntilDoneAsync(run);
        Assert.Equal(0, (await run).ExitCode);
    }
}
