using System.Text;

namespace Pipeline.Local.Tests;

public sealed class TelemetryBodyTests
{
    private static string Text(BodyRecord r) => Encoding.UTF8.GetString(r.Bytes.Span);

    [Fact]
    public void Ndjson_lines_are_records_and_blank_lines_are_skipped()
    {
        var records = TelemetryBody.SplitLines(Encoding.UTF8.GetBytes("{\"a\":1}\r\n\n  \n{\"b\":2}\nnot json"));

        Assert.Equal([(0, 1, "{\"a\":1}"), (1, 4, "{\"b\":2}"), (2, 5, "not json")], records.Select(r => (r.Index, r.Line, Text(r))));
    }

    [Fact]
    public void A_json_array_is_split_into_its_elements_with_their_lines()
    {
        var records = TelemetryBody.SplitJson(Encoding.UTF8.GetBytes("[\n  {\"a\":[1,2]},\n  \"text\",\n  {\"c\":{}}\n]"), out var error);

        Assert.Null(error);
        Assert.Equal([(0, 2, "{\"a\":[1,2]}"), (1, 3, "\"text\""), (2, 4, "{\"c\":{}}")], records.Select(r => (r.Index, r.Line, Text(r))));
    }

    [Fact]
    public void A_single_object_is_one_record_even_when_broken()
    {
        var records = TelemetryBody.SplitJson(Encoding.UTF8.GetBytes("{\"deviceId\":"), out var error);

        Assert.Null(error);
        Assert.Equal("{\"deviceId\":", Text(Assert.Single(records)));
    }

    [Fact]
    public void A_broken_array_reports_the_element_where_it_broke()
    {
        TelemetryBody.SplitJson(Encoding.UTF8.GetBytes("[{\"a\":1},\n{\"b\":"), out var error);

        Assert.NotNull(error);
        Assert.Equal(1, error.Index);
        Assert.Equal(2, error.Line);
    }
}
