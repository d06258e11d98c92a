using System.Text.Json;
using EventBus.Diagnostics;
using EventBus.EventStore.Serialization;
using Microsoft.Extensions.Logging;

namespace EventBus.EventStore.Aggregates;

internal sealed class AggregateRepository<TState>(
    AggregateDefinition<TState> definition,
    IEventStore store,
    IEventStreams streams,
    ISnapshotStore snapshots,
    EventSerializer serializer,
    TimeProvider timeProvider,
    ILogger<AggregateRepository<TState>> logger) : IAggregateRepository<TState>
{
    private readonly AggregateOptions _options = definition.Options;

    public async ValueTask<Aggregate<TState>> LoadAsync(string id, CancellationToken cancellationToken = default)
    {
        var streamId = definition.StreamIdOf(id);
        var info = await store.GetStreamInfoAsync(streamId, cancellationToken).ConfigureAwait(false);
        if (info.IsDeleted)
        {
            throw new StreamDeletedException(streamId);
        }

        var state = definition.Initial();
        var version = 0L;
        if (_options.SnapshotEvery > 0 && await snapshots.LoadAsync(streamId, cancellationToken).ConfigureAwait(false) is { } snapshot)
        {
            if (snapshot.SchemaVersion != _options.SnapshotSchemaVersion)
            {
                Log.SnapshotSchemaMismatch(logger, streamId, snapshot.StreamVersion, snapshot.SchemaVersion, _options.SnapshotSchemaVersion);
            }
            else if (snapshot.StreamVersion > info.Version)
            {
                Log.SnapshotAheadOfStream(logger, streamId, snapshot.StreamVersion, info.Version);
            }
            else
            {
                state = JsonSerializer.Deserialize(snapshot.Data.Span, serializer.GetTypeInfo<TState>())!;
                version = snapshot.StreamVersion;
            }
        }

        if (info.FirstVersion > version + 1)
        {
            throw new InvalidOperationException(
                $"Stream '{streamId}' is truncated before version {info.FirstVersion}, and no snapshot of the current schema covers versions up to {info.FirstVersion - 1}; the aggregate cannot be rebuilt.");
        }

        await foreach (var stored in streams.ReadStreamAsync(streamId, ReadDirection.Forwards, version + 1, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            state = definition.Evolve(state, stored.Event.Payload!);
            version = stored.StreamVersion;
        }

        // Trailing events skipped as unknown still count: the next save must expect the real stream version.
        return new Aggregate<TState>(id, streamId, state, Math.Max(version, info.Version), definition.Evolve);
    }

    public async ValueTask<AppendResult?> SaveAsync(Aggregate<TState> aggregate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        if (aggregate.PendingEvents.Count == 0)
        {
            return null;
        }

        var loadedVersion = aggregate.Version;
        var result = await streams.AppendAsync(aggregate.StreamId, ExpectedVersion.Exact(loadedVersion), aggregate.PendingEvents, cancellationToken).ConfigureAwait(false);
        aggregate.MarkSaved(result.StreamVersion);

        var every = _options.SnapshotEvery;
        if (every > 0 && result.StreamVersion / every > loadedVersion / every)
        {
            try
            {
                var data = JsonSerializer.SerializeToUtf8Bytes(aggregate.State, serializer.GetTypeInfo<TState>());
                await snapshots.SaveAsync(new Snapshot(aggregate.StreamId, result.StreamVersion, _options.SnapshotSchemaVersion, data, timeProvider.GetUtcNow()), cancellationToken).ConfigureAwait(false);
                Log.SnapshotTaken(logger, aggregate.StreamId, result.StreamVersion);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The events are committed; a missing snapshot only makes the next load replay more.
                Log.SnapshotFailed(logger, aggregate.StreamId, result.StreamVersion, ex);
            }
        }

        return result;
    }
}
