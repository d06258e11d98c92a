using EventBus.Contracts.TestSupport;

namespace EventBus.Tests.PublicApi;

/// <summary>
/// Tracks the public surface of the core package: any change to it shows up as a diff of
/// <c>EventBus.approved.txt</c> in review. Run with <c>EVENTBUS_ACCEPT_API=1</c> to accept an intended change.
/// </summary>
public class PublicApiTests
{
    [Fact]
    public void PublicSurface_MatchesApprovedFile() =>
        PublicApiSurface.ShouldMatchApprovedFile(typeof(IEventBus).Assembly, "tests", "EventBus.Tests", "PublicApi", "EventBus.approved.txt");

    [Fact]
    public void PublicSurface_HasNoPublicClassThatCouldBeInternal()
    {
        var publicClasses = typeof(IEventBus).Assembly.GetExportedTypes()
            .Where(t => t.IsClass && !t.IsAbstract && !t.IsSealed && t != typeof(Event));

        publicClasses.Should().BeEmpty("public classes are sealed unless designed for inheritance");
    }
}
