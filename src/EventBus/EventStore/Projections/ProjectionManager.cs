using System.Collections.Frozen;
using EventBus.EventStore.Serialization;
using Microsoft.Extensions.Logging;

namespace EventBus.EventStore.Projections;

internal sealed class ProjectionManager : IProjectionManager
{
    private readonly FrozenDictionary<string, ProjectionRunner> _runners;

    public ProjectionManager(
        IEnumerable<ProjectionRegistration> registrations,
        IServiceProvider services,
        IEventStore store,
        UnreadableEvents serializer,
        ICheckpointStore checkpoints,
        TimeProvider timeProvider,
        ILogger<ProjectionManager> logger)
    {
        var runners = new Dictionary<string, ProjectionRunner>(StringComparer.Ordinal);
        foreach (var registration in registrations)
        {
            var runner = new ProjectionRunner(registration.Name, registration.Create(services), registration.Options, store, serializer, checkpoints, timeProvider, logger);
            if (!runners.TryAdd(registration.Name, runner))
            {
                throw new InvalidOperationException($"Two projections are named '{registration.Name}'; projection names must be unique.");
            }
        }

        _runners = runners.ToFrozenDictionary(StringComparer.Ordinal);
        Inline = [.. _runners.Values.Where(static r => r.Options.Mode == ProjectionMode.Inline)];
        Background = [.. _runners.Values.Where(static r => r.Options.Mode == ProjectionMode.Async)];
    }

    public IReadOnlyCollection<string> Names => _runners.Keys;

    public ProjectionRunner[] Inline { get; }

    public ProjectionRunner[] Background { get; }

    public ValueTask<long> GetPositionAsync(string name, CancellationToken cancellationToken = default) => Get(name).GetPositionAsync(cancellationToken);

    public ValueTask WaitForPositionAsync(string name, long position, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        return Get(name).WaitForPositionAsync(position, timeout, cancellationToken);
    }

    public ValueTask CatchUpAsync(string name, CancellationToken cancellationToken = default) => Get(name).CatchUpAsync(cancellationToken);

    public ValueTask RebuildAsync(string name, CancellationToken cancellationToken = default) => Get(name).RebuildAsync(cancellationToken);

    /// <summary>Runs the inline projections up to the head after an append.</summary>
    public async ValueTask RunInlineAsync(string streamId, AppendResult appended, CancellationToken cancellationToken)
    {
        foreach (var runner in Inline)
        {
            try
            {
                await runner.CatchUpAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new InvalidOperationException(
                    $"The events were appended to stream '{streamId}' (up to global position {appended.Position}), but inline projection '{runner.Name}' failed; it resumes from its checkpoint on the next append or wait.",
                    ex);
            }
        }
    }

    private ProjectionRunner Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _runners.TryGetValue(name, out var runner)
            ? runner
            : throw new ArgumentException($"No projection is named '{name}'. Registered: {string.Join(", ", _runners.Keys.Select(k => $"'{k}'"))}.", nameof(name));
    }
}
