namespace EventBus;

/// <summary>The state of one stream.</summary>
/// <param name="StreamId">The stream id.</param>
/// <param name="Version">The number of events ever appended to the stream (0 when it has none); truncation and
/// deletion do not lower it.</param>
/// <param name="FirstVersion">The lowest version still readable: 1 unless the stream was truncated.</param>
/// <param name="IsDeleted"><see langword="true"/> if the stream was deleted (tombstoned).</param>
public sealed record StreamInfo(string StreamId, long Version, long FirstVersion, bool IsDeleted)
{
    /// <summary>Gets a value indicating whether the stream has events and is not deleted.</summary>
    public bool Exists => Version > 0 && !IsDeleted;
}
