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

    public ValueTask<Aggregate<TState>> LoadAsync(string id, CancellationToken cancellationToken = default) =>
        LoadCoreAsync(id, upTo: null, cancellationToken);

    public ValueTask<Aggregate<TState>> LoadAsync(string id, long version, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        return LoadCoreAsync(id, version, cancellationToken);
    }

    /// <summary>Loads the aggregate at the stream's current version, or at <paramref name="upTo"/>.</summary>
    private async ValueTask<Aggregate<TState>> LoadCoreAsync(string id, long? upTo, CancellationToken cancellationToken)
    {
        var streamId = definition.StreamIdOf(id);
        var info = await store.GetStreamInfoAsync(streamId, cancellationToken).ConfigureAwait(false);
        if (info.IsDeleted)
        {
            throw new StreamDeletedException(streamId);
        }

        if (upTo > info.Version)
        {
            throw new ArgumentOutOfRangeException(
                "version", upTo, $"Stream '{streamId}' is at version {info.Version}; it has no version {upTo} to load.");
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
            else if (snapshot.StreamVersion <= (upTo ?? info.Version))
            {
                // A snapshot newer than the version asked for is not used: the load replays from the start instead.
                state = JsonSerializer.Deserialize(snapshot.Data.Span, serializer.GetTypeInfo<TState>())!;
                version = snapshot.StreamVersion;
            }
        }

        var last = upTo ?? info.Version;
        if (version < last)
        {
            if (info.FirstVersion > version + 1)
            {
                throw new InvalidOperationException(
                    $"Stream '{streamId}' is truncated before version {info.FirstVersion}, and no snapshot of the current schema covers versions up to {info.FirstVersion - 1}; the aggregate cannot be rebuilt.");
            }

            await foreach (var stored in streams.ReadStreamAsync(streamId, ReadDirection.Forwards, version + 1, last - version, cancellationToken).ConfigureAwait(false))
            {
                if (stored.StreamVersion > last)
                {
                    break;
                }

                state = definition.Evolve(state, stored.Event.Payload!);
                version = stored.StreamVersion;
            }
        }

        // Trailing events skipped as unknown still count: the next save must expect the real stream version (or the
        // version asked for).
        return new Aggregate<TState>(id, streamId, state, Math.Max(version, last), definition.Evolve);
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
