namespace EventBus.Benchmarks.DependencyInjection;

/// <summary>A scoped service, as a DbContext or unit of work would be.</summary>
public sealed class ScopedDependency
{
    public int Uses { get; set; }
}
