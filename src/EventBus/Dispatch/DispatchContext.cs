using EventBus.DeadLetters;
using Microsoft.Extensions.Logging;

namespace EventBus.Dispatch;

/// <summary>What every subscription worker of one bus shares.</summary>
internal sealed class DispatchContext(DeadLetterSink deadLetters, ILogger logger, CancellationToken abort)
{
    public DeadLetterSink DeadLetters { get; } = deadLetters;

    public ILogger Logger { get; } = logger;

    /// <summary>Signalled when the bus gives up draining: handlers are cancelled and the rest is dead-lettered.</summary>
    public CancellationToken Abort { get; } = abort;
}
