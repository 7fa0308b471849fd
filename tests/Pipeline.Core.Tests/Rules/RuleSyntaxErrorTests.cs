using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;

namespace Pipeline.Core.Tests.Rules;

/// <summary>A file that is not valid YAML or JSON gives one error with the parser's line and message.</summary>
public class RuleSyntaxErrorTests
{
    private static RuleError SingleError(string text, RuleFileFormat format)
    {
        var result = RuleSetLoader.Load(text, format);
        Assert.False(result.Success);
        Assert.Null(result.RuleSet);
        var error = Assert.Single(result.Errors);
        Assert.Null(error.RuleId);
        Assert.Equal(string.Empty, error.Field);
        return error;
    }

    [Fact]
    public void Unquoted_condition_is_a_yaml_error_on_its_line()
    {
        // '>' starts a folded block scalar in YAML, which is why conditions are quoted.
        var error = SingleError("""
            rules:
              - id: r
                metric: temperature
                when: > 80
            """, RuleFileFormat.Auto);

        Assert.Equal(4, error.Line);
        Assert.StartsWith("invalid YAML: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_indentation_is_a_yaml_error_on_its_line()
    {
        var error = SingleError("""
            rules:
              - id: r
                metric: temperature
                  when: "> 80"
            """, RuleFileFormat.Yaml);

        Assert.Equal(4, error.Line);
        Assert.StartsWith("invalid YAML: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unterminated_flow_list_is_a_yaml_error_with_a_line()
    {
        var error = SingleError("""
            rules:
              - { id: r, metric: temperature, when: "> 80" }
              - { id: c, composite: { all: [r, x } }
            """, RuleFileFormat.Yaml);

        Assert.Equal(3, error.Line);
        Assert.StartsWith("invalid YAML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_alias_is_an_error_on_its_line()
    {
        var error = SingleError("""
            rules:
              - id: r
                metric: temperature
                match: *chillers
                when: "> 80"
            """, RuleFileFormat.Yaml);

        Assert.Equal(4, error.Line);
        Assert.Contains("*chillers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_yaml_documents_are_rejected_at_the_second()
    {
        var error = SingleError("""
            rules: [{ id: a, metric: t, when: "> 1" }]
            ---
            rules: [{ id: b, metric: t, when: "> 1" }]
            """, RuleFileFormat.Yaml);

        Assert.Equal(2, error.Line);
        Assert.Contains("only one YAML document", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    public void Empty_yaml_is_rejected(string text)
    {
        var error = SingleError(text, RuleFileFormat.Auto);
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_comma_is_a_json_error_on_its_line()
    {
        var error = SingleError("""
            {
              "rules": [
                { "id": "a", "metric": "t", "when": "> 1", }
              ]
            }
            """, RuleFileFormat.Json);

        Assert.Equal(3, error.Line);
        Assert.StartsWith("invalid JSON: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_comma_is_a_json_error_on_its_line()
    {
        var error = SingleError("""
            {
              "rules": [
                { "id": "a", "metric": "t", "when": "> 1" }
                { "id": "b", "metric": "t", "when": "> 1" }
              ]
            }
            """, RuleFileFormat.Json);

        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void Auto_reports_the_json_error_for_text_that_looks_like_json_and_is_neither()
    {
        var error = SingleError("""
            {
              "rules": [
                { "id": "a", "metric": "t", "when": "> 1" }

            """, RuleFileFormat.Auto);

        Assert.StartsWith("invalid JSON: ", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Line);
    }

    [Fact]
    public void Content_after_the_json_value_is_an_error()
    {
        var error = SingleError("{ \"rules\": [] }\n{ }\n", RuleFileFormat.Json);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void Json_comments_are_allowed()
    {
        var result = RuleSetLoader.Load("""
            {
              // a comment
              "rules": [{ "id": "a", "metric": "t", "when": "> 1" }]
            }
            """, RuleFileFormat.Json);

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Errors));
    }

    [Fact]
    public void Yaml_flow_style_starting_with_a_brace_loads_in_auto_mode()
    {
        var result = RuleSetLoader.Load("{ rules: [{ id: a, metric: t, when: \"> 1\" }] }");
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Errors));
    }
}
