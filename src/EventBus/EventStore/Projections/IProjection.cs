namespace EventBus;

/// <summary>Builds a read model (the query side of CQRS) from the events of the global log.</summary>
/// <remarks>
/// Register it with <c>AddProjection&lt;T&gt;("name")</c>. Events arrive one at a time in global order, filtered by
/// <see cref="ProjectionOptions.EventTypes"/>; the position reached is checkpointed in batches, so after a crash a
/// few events may be applied again: make <see cref="ApplyAsync"/> idempotent (an upsert keyed by id, or a check of
/// <see cref="StoredEvent.Position"/>).
/// </remarks>
public interface IProjection
{
    /// <summary>Applies one event to the read model.</summary>
    /// <param name="event">The event.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the read model reflects the event.</returns>
    ValueTask ApplyAsync(StoredEvent @event, CancellationToken cancellationToken);

    /// <summary>Clears the read model before a rebuild from position 0.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the read model is empty.</returns>
    ValueTask ResetAsync(CancellationToken cancellationToken);
}
