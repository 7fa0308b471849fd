using Pipeline.Core.Rules;
using Pipeline.Local;

namespace Pipeline.Local.Tests;

/// <summary><see cref="InputFile"/> and <see cref="RuleFile"/>: the one wording of an input file that cannot be read.</summary>
public sealed class InputFileTests
{
    [Fact]
    public void A_missing_file_and_a_directory_are_named_as_what_they_are()
    {
        using var dir = new TempDir();
        var missing = dir.File("absent.jsonl");

        var notFound = Assert.Throws<InputFileException>(() => InputFile.ReadAllText(missing, "recording"));
        var inMissingFolder = Assert.Throws<InputFileException>(() => InputFile.OpenShared(Path.Combine(missing, "x.jsonl"), "telemetry file"));
        var directory = Assert.Throws<InputFileException>(() => InputFile.ReadAllText(dir.Path, "rules file"));
        var mustExist = Assert.Throws<InputFileException>(() => InputFile.MustExist(dir.Path, "rules file"));

        Assert.Equal($"recording '{missing}' not found", notFound.Message);
        Assert.Equal($"telemetry file '{Path.Combine(missing, "x.jsonl")}' not found", inMissingFolder.Message);
        Assert.Equal($"rules file '{dir.Path}' is a directory", directory.Message);
        Assert.Equal($"rules file '{dir.Path}' is a directory", mustExist.Message);
    }

    [Fact]
    public async Task Another_read_failure_says_cannot_read_with_the_reason_and_a_readable_file_is_read()
    {
        using var dir = new TempDir();
        var file = dir.File("rules.yaml");
        await File.WriteAllTextAsync(file, "rules: []");

        var failed = Assert.Throws<InputFileException>(() => InputFile.Read<string>(file, "rules file", _ => throw new IOException("disk on fire")));

        Assert.Equal($"cannot read rules file '{file}': disk on fire", failed.Message);
        Assert.Equal("rules: []", InputFile.ReadAllText(file, "rules file"));
        Assert.Equal("rules: []"u8.ToArray(), await InputFile.ReadAllBytesAsync(file, "rules file", CancellationToken.None));
        await using var shared = InputFile.OpenShared(file, "telemetry file");
        Assert.Equal(9, shared.Length);
    }

    [Fact]
    public async Task An_async_read_that_fails_is_told_the_same_way()
    {
        using var dir = new TempDir();
        var missing = dir.File("absent.jsonl");

        var failed = await Assert.ThrowsAsync<InputFileException>(() => InputFile.ReadAllBytesAsync(missing, "recording", CancellationToken.None));

        Assert.Equal($"recording '{missing}' not found", failed.Message);
    }

    [Theory]
    [InlineData("rules.json", RuleFileFormat.Json)]
    [InlineData("RULES.YAML", RuleFileFormat.Yaml)]
    [InlineData("rules.yml", RuleFileFormat.Yaml)]
    [InlineData("rules.txt", RuleFileFormat.Auto)]
    [InlineData("rules", RuleFileFormat.Auto)]
    public void A_rule_files_format_is_its_extensions(string path, RuleFileFormat format) =>
        Assert.Equal(format, RuleFile.FormatOf(path));

    [Fact]
    public async Task A_rule_file_is_read_and_loaded_and_a_missing_one_is_named_a_rules_file()
    {
        using var dir = new TempDir();
        var file = dir.File("rules.json");
        await File.WriteAllTextAsync(file, """{"rules":[{"id":"hot","metric":"temperature","when":"> 80"}]}""");

        var loaded = RuleFile.Load(file);
        var missing = Assert.Throws<InputFileException>(() => RuleFile.Load(dir.File("absent.yaml")));

        Assert.True(loaded.Success);
        Assert.Equal("hot", Assert.Single(loaded.RuleSet!.Rules).Id);
        Assert.Equal($"rules file '{dir.File("absent.yaml")}' not found", missing.Message);
    }
}
