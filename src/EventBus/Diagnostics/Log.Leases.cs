using Microsoft.Extensions.Logging;

namespace EventBus.Diagnostics;

internal static partial class Log
{
    [LoggerMessage(EventId = 240, EventName = "ProcessorLeaseAcquired", Level = LogLevel.Information,
        Message = "Acquired the lease on processor {ProcessorName} (fencing token {FencingToken}); it runs on this instance")]
    public static partial void LeaseAcquired(ILogger logger, string processorName, long fencingToken);

    [LoggerMessage(EventId = 241, EventName = "ProcessorLeaseLost", Level = LogLevel.Warning,
        Message = "Lost the lease on processor {ProcessorName} (fencing token {FencingToken}): it stopped here and may run on another instance; trying to acquire it again")]
    public static partial void LeaseLost(ILogger logger, string processorName, long fencingToken);

    [LoggerMessage(EventId = 242, EventName = "ProcessorLeaseReleased", Level = LogLevel.Information,
        Message = "Released the lease on processor {ProcessorName} (fencing token {FencingToken})")]
    public static partial void LeaseReleased(ILogger logger, string processorName, long fencingToken);

    [LoggerMessage(EventId = 243, EventName = "ProcessorLeaseReleaseFailed", Level = LogLevel.Warning,
        Message = "Could not release the lease on processor {ProcessorName} (fencing token {FencingToken}); another instance takes it over when it expires")]
    public static partial void LeaseReleaseFailed(ILogger logger, string processorName, long fencingToken, Exception exception);

    [LoggerMessage(EventId = 244, EventName = "ProcessorLeaseRenewFailed", Level = LogLevel.Warning,
        Message = "Could not renew the lease on processor {ProcessorName} (fencing token {FencingToken}); stopping it here")]
    public static partial void LeaseRenewFailed(ILogger logger, string processorName, long fencingToken, Exception exception);

    [LoggerMessage(EventId = 245, EventName = "ProcessorLeaseAcquireFailed", Level = LogLevel.Warning,
        Message = "Could not try to acquire the lease on processor {ProcessorName}; trying again in {RetryDelay}")]
    public static partial void LeaseAcquireFailed(ILogger logger, string processorName, TimeSpan retryDelay, Exception exception);

    [LoggerMessage(EventId = 246, EventName = "ProcessorLeaseFollowFailed", Level = LogLevel.Debug,
        Message = "Could not read the progress of processor {ProcessorName} held by another instance")]
    public static partial void LeaseFollowFailed(ILogger logger, string processorName, Exception exception);
}
