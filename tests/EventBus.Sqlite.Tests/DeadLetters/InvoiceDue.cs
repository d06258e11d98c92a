namespace EventBus.Sqlite.Tests.DeadLetters;

[EventType("invoice.due")]
public sealed record InvoiceDue(string InvoiceId, decimal Amount);
