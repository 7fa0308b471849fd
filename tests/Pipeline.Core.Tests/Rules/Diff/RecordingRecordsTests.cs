using System.Text;
using Pipeline.Core.Rules.Diff;

namespace Pipeline.Core.Tests.Rules.Diff;

public sealed class RecordingRecordsTests
{
    [Fact]
    public void The_records_are_the_non_blank_lines_in_file_order_with_or_without_a_last_newline()
    {
        var records = RecordingReplay.Records(Encoding.UTF8.GetBytes("{\"a\":1}\n\n  \t\r\n{\"b\":2}\r\n{\"c\":3}"));

        Assert.Equal(["{\"a\":1}", "{\"b\":2}\r", "{\"c\":3}"], records.Select(r => Encoding.UTF8.GetString(r.Span)));
    }

    [Fact]
    public void A_report_without_differences_is_an_indented_document_with_zero_counts()
    {
        var json = RuleDiffReport.ToJson("old.yaml", "new.yaml", "fleet.jsonl", []);

        Assert.Equal(
            """
            {
              "old": "old.yaml",
              "new": "new.yaml",
              "recording": "fleet.jsonl",
              "summary": {
                "added": 0,
                "removed": 0,
                "changed": 0,
                "unchanged": 0
              },
              "differences": []
            }
            """, json.ReplaceLineEndings("\n"));
    }
}
