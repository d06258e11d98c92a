namespace EventBus.Tests;

/// <summary>The README's quickstart is the Quickstart sample's Program.cs, which the build compiles.</summary>
public class ReadmeTests
{
    [Fact]
    public void Quickstart_InReadme_IsTheCompiledSample()
    {
        var root = FindRepositoryRoot();
        var readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        var sample = File.ReadAllText(Path.Combine(root, "samples", "Quickstart", "Program.cs")).ReplaceLineEndings("\n");

        var start = readme.IndexOf("## Quickstart", StringComparison.Ordinal);
        start.Should().BeGreaterThan(0);
        var codeStart = readme.IndexOf("```csharp\n", start, StringComparison.Ordinal) + "```csharp\n".Length;
        var codeEnd = readme.IndexOf("```", codeStart, StringComparison.Ordinal);

        readme[codeStart..codeEnd].Should().Be(sample);
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EventBus.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("EventBus.sln not found above the test directory.");
    }
}
