namespace Pipeline.Hosting.Tests;

/// <summary>The state table's name leaves room for the hub reader's positions table (NAMEpositions), for every shell.</summary>
public sealed class StateTableNameTests
{
    private const string Rule = "must be 3 to 54 letters and digits, starting with a letter (NAMEpositions must fit Azure's 63)";

    [Theory]
    [InlineData("abc", null)]                      // the shortest Azure allows
    [InlineData("clistate", null)]                 // the CLI's default
    [InlineData("Table2", null)]                   // letters of either case and digits
    [InlineData("ab", Rule)]                       // too short for Azure
    [InlineData("2table", Rule)]                   // must start with a letter
    [InlineData("no-dashes", Rule)]                // letters and digits only
    [InlineData("t\u00e9ble", Rule)]               // ASCII letters only
    public void Names_are_checked_by_Azure_rules(string name, string? problem)
    {
        Assert.Equal(problem, StateOptions.TableNameProblem(name));
    }

    [Theory]
    [InlineData(54, null)] // 54 + "positions" = 63, Azure's longest
    [InlineData(55, Rule)] // 55 + 9 = 64: the positions table could not be created
    public void The_name_leaves_room_for_the_positions_suffix(int length, string? problem)
    {
        Assert.Equal(problem, StateOptions.TableNameProblem("t" + new string('a', length - 1)));
    }

    [Fact]
    public void The_options_validation_names_the_setting()
    {
        var options = new PipelineOptions();
        options.State.Table = "no-dashes";

        Assert.Contains($"Pipeline__State__Table {Rule}, not 'no-dashes'.", PipelineConfiguration.Validate(options));
    }

    [Fact]
    public void No_table_name_is_the_default_and_valid()
    {
        Assert.Empty(PipelineConfiguration.Validate(new PipelineOptions()));
    }
}
