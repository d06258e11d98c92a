namespace EventBus;

/// <summary>One earlier failure of a dead letter that was redriven and failed again.</summary>
/// <param name="Time">When the event was dead-lettered.</param>
/// <param name="Reason">Why it was dead-lettered.</param>
/// <param name="ExceptionType">The full name of the exception's type, if any.</param>
/// <param name="ExceptionMessage">The exception's message, if any.</param>
/// <param name="AttemptCount">How many attempts that delivery made.</param>
public sealed record DeadLetterFailure(DateTimeOffset Time, DeadLetterReason Reason, string? ExceptionType, string? ExceptionMessage, int AttemptCount);
