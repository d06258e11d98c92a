namespace EventBus.PostgreSql.Tests.PublicApi;

/// <summary>
/// Tracks the public surface of the EventBus.PostgreSql package: any change to it shows up as a diff of
/// <c>EventBus.PostgreSql.approved.txt</c> in review. Run with <c>EVENTBUS_ACCEPT_API=1</c> to accept an intended change.
/// </summary>
public sealed class PublicApiTests
{
    [Fact]
    public void PublicSurface_MatchesApprovedFile() =>
        PublicApiSurface.ShouldMatchApprovedFile(typeof(PostgreSqlOptions).Assembly, "tests", "EventBus.PostgreSql.Tests", "PublicApi", "EventBus.PostgreSql.approved.txt");

    [Fact]
    public void PublicSurface_HasNoPublicClassThatCouldBeInternal()
    {
        var publicClasses = typeof(PostgreSqlOptions).Assembly.GetExportedTypes().Where(t => t.IsClass && !t.IsAbstract && !t.IsSealed);

        publicClasses.Should().BeEmpty("public classes are sealed unless designed for inheritance");
    }
}
