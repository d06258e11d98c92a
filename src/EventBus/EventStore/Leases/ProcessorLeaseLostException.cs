namespace EventBus;

/// <summary>Thrown when a processor writes under a lease it no longer holds: it expired, or another app instance took
/// it over. The write did not happen; the processor stops and tries to acquire the lease again.</summary>
public sealed class ProcessorLeaseLostException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="ProcessorLeaseLostException"/> class.</summary>
    /// <param name="name">The processor whose lease was lost.</param>
    /// <param name="fencingToken">The fencing token of the holding that was lost.</param>
    public ProcessorLeaseLostException(string name, long fencingToken)
        : base($"The lease on processor '{name}' (fencing token {fencingToken}) was lost: it expired or another instance took it over, so its checkpoint was not written. The processor stops and tries to acquire the lease again.")
    {
        Name = name;
        FencingToken = fencingToken;
    }

    /// <summary>Initializes a new instance of the <see cref="ProcessorLeaseLostException"/> class.</summary>
    public ProcessorLeaseLostException()
        : base("The processor's lease was lost.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ProcessorLeaseLostException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ProcessorLeaseLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the processor whose lease was lost.</summary>
    public string Name { get; } = string.Empty;

    /// <summary>Gets the fencing token of the holding that was lost.</summary>
    public long FencingToken { get; }
}
