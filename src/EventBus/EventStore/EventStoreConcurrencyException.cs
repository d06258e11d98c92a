namespace EventBus;

/// <summary>Thrown when an append or delete expected a stream version the stream is not at.</summary>
/// <remarks>Reload the stream (or aggregate) and decide again; retrying blindly would overwrite someone else's
/// decision.</remarks>
public sealed class EventStoreConcurrencyException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="EventStoreConcurrencyException"/> class.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expectedVersion">What the caller expected.</param>
    /// <param name="actualVersion">The version the stream is at.</param>
    public EventStoreConcurrencyException(string streamId, ExpectedVersion expectedVersion, long actualVersion)
        : base($"Stream '{streamId}' is at version {actualVersion}, but the operation expected {Describe(expectedVersion)}. Reload the stream and retry the decision.")
    {
        StreamId = streamId;
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    /// <summary>Initializes a new instance of the <see cref="EventStoreConcurrencyException"/> class.</summary>
    public EventStoreConcurrencyException()
        : base("The stream is not at the expected version.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EventStoreConcurrencyException"/> class.</summary>
    /// <param name="message">The message.</param>
    public EventStoreConcurrencyException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EventStoreConcurrencyException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public EventStoreConcurrencyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the id of the stream.</summary>
    public string StreamId { get; } = string.Empty;

    /// <summary>Gets the version the operation expected.</summary>
    public ExpectedVersion ExpectedVersion { get; } = ExpectedVersion.Any;

    /// <summary>Gets the version the stream was at (0 when it had no events).</summary>
    public long ActualVersion { get; }

    private static string Describe(ExpectedVersion expected) =>
        expected.Version is { } exact ? $"version {exact}" : expected.ToString();
}
