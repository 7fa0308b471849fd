using System.Text.Json;

namespace Pipeline.Core.Rules.Diff;

/// <summary>The <c>--json</c> shape of <c>pipeline rules diff</c>, documented in docs/rules-as-code.md.</summary>
public static class RuleDiffReport
{
    /// <summary>The report as one indented JSON document.</summary>
    public static string ToJson(string oldRules, string newRules, string recording, IReadOnlyList<EpisodeDifference> differences)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteJson(writer, oldRules, newRules, recording, differences);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void WriteJson(Utf8JsonWriter writer, string oldRules, string newRules, string recording, IReadOnlyList<EpisodeDifference> differences)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(differences);
        var summary = EpisodeDiff.Summarize(differences);
        writer.WriteStartObject();
        writer.WriteString("old", oldRules);
        writer.WriteString("new", newRules);
        writer.WriteString("recording", recording);
        writer.WriteStartObject("summary");
        writer.WriteNumber("added", summary.Added);
        writer.WriteNumber("removed", summary.Removed);
        writer.WriteNumber("changed", summary.Changed);
        writer.WriteNumber("unchanged", summary.Unchanged);
        writer.WriteEndObject();
        writer.WriteStartArray("differences");
        foreach (var d in differences.Where(d => d.Change != EpisodeChange.Unchanged))
        {
            writer.WriteStartObject();
            writer.WriteString("change", EpisodeDiff.Name(d.Change));
            writer.WriteString("rule", d.Rule);
            writer.WriteString("device", d.Device);
            writer.WriteStartArray("fields");
            foreach (var f in d.Fields)
            {
                writer.WriteStringValue(f);
            }

            writer.WriteEndArray();
            Write(writer, "old", d.Old);
            Write(writer, "new", d.New);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter writer, string name, Episode? episode)
    {
        if (episode is null)
        {
            writer.WriteNull(name);
            return;
        }

        writer.WriteStartObject(name);
        writer.WriteString("start", EpisodeDiff.Time(episode.Start));
        if (episode.End is { } end)
        {
            writer.WriteString("end", EpisodeDiff.Time(end));
        }
        else
        {
            writer.WriteNull("end");
        }

        writer.WriteString("severity", EpisodeDiff.Name(episode.Severity));
        if (episode.Value is { } v)
        {
            writer.WriteNumber("value", v);
        }
        else
        {
            writer.WriteNull("value");
        }

        writer.WriteEndObject();
    }
}
