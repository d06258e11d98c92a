namespace EventBus;

/// <summary>Raised by a saga store when an instance changed since it was read, or already exists when it was to be
/// created. The saga engine retries on it; seeing it outside the engine means the retries ran out.</summary>
public sealed class SagaConcurrencyException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="SagaConcurrencyException"/> class.</summary>
    public SagaConcurrencyException()
        : base("The saga instance was changed by someone else.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SagaConcurrencyException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public SagaConcurrencyException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SagaConcurrencyException"/> class with a message and the
    /// exception that caused it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public SagaConcurrencyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SagaConcurrencyException"/> class for a version conflict.</summary>
    /// <param name="sagaName">The saga name.</param>
    /// <param name="correlationKey">The instance's correlation key.</param>
    /// <param name="expectedVersion">The version the writer read (0: it expected no instance).</param>
    /// <param name="actualVersion">The version the store holds (0: there is no instance).</param>
    public SagaConcurrencyException(string sagaName, string correlationKey, long expectedVersion, long actualVersion)
        : base(expectedVersion == 0
            ? $"Saga '{sagaName}' instance '{correlationKey}' already exists (version {actualVersion}); it cannot be created again. Reload it and apply the change to the stored version."
            : $"Saga '{sagaName}' instance '{correlationKey}' is at version {actualVersion}, not the expected {expectedVersion}. Reload it and apply the change again.")
    {
        SagaName = sagaName;
        CorrelationKey = correlationKey;
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    /// <summary>Gets the saga name, when known.</summary>
    public string? SagaName { get; }

    /// <summary>Gets the correlation key of the instance, when known.</summary>
    public string? CorrelationKey { get; }

    /// <summary>Gets the version the writer expected.</summary>
    public long ExpectedVersion { get; }

    /// <summary>Gets the version the store holds.</summary>
    public long ActualVersion { get; }
}
