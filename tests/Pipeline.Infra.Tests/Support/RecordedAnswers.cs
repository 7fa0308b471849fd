namespace Pipeline.Infra.Tests.Support;

/// <summary>Recorded answers of Azure APIs (tests/Pipeline.Infra.Tests/Recorded, see its README).</summary>
internal static class RecordedAnswers
{
    public static string Path(string name) => RepoPaths.Combine("tests", "Pipeline.Infra.Tests", "Recorded", name);
}
