namespace EventBus;

/// <summary>Thrown when appending to, truncating or loading an aggregate from a deleted (tombstoned) stream.</summary>
public sealed class StreamDeletedException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="StreamDeletedException"/> class.</summary>
    /// <param name="streamId">The deleted stream.</param>
    public StreamDeletedException(string streamId)
        : base($"Stream '{streamId}' is deleted; a deleted stream id cannot be written again.")
    {
        StreamId = streamId;
    }

    /// <summary>Initializes a new instance of the <see cref="StreamDeletedException"/> class.</summary>
    public StreamDeletedException()
        : base("The stream is deleted.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StreamDeletedException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public StreamDeletedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the id of the deleted stream.</summary>
    public string StreamId { get; } = string.Empty;
}
