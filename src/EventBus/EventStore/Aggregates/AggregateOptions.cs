namespace EventBus;

/// <summary>Snapshot settings of one aggregate type.</summary>
public sealed class AggregateOptions
{
    /// <summary>Gets or sets after how many events a snapshot is taken: a save that crosses a multiple of this
    /// number stores the state. 0 turns snapshots off.</summary>
    /// <value>The default value is 0 (no snapshots).</value>
    public int SnapshotEvery { get; set; }

    /// <summary>Gets or sets the schema version of the state type. Bump it when the state's shape changes: snapshots
    /// of other versions are then ignored (and logged) and the state is rebuilt from events.</summary>
    /// <value>The default value is 1.</value>
    public int SnapshotSchemaVersion { get; set; } = 1;
}
