namespace EventBus;

/// <summary>The outcome of a successful append.</summary>
/// <param name="StreamVersion">The version of the stream after the append: the version of its last event.</param>
/// <param name="Position">The global log position of the last appended event; await a projection reaching it to
/// read your own writes.</param>
public readonly record struct AppendResult(long StreamVersion, long Position);
