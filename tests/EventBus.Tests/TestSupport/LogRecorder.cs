using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EventBus.Tests.TestSupport;

/// <summary>Records every log entry of the bus and lets a test await one by event name.</summary>
public sealed class LogRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private readonly Lock _lock = new();
    private readonly List<(string EventName, int Count, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public IEnumerable<LogEntry> Named(string eventName) => _entries.Where(e => e.EventId.Name == eventName);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    /// <summary>Completes once <paramref name="count"/> entries with the event name were logged.</summary>
    public Task WaitForAsync(string eventName, int count = 1, TimeSpan? timeout = null)
    {
        lock (_lock)
        {
            if (Named(eventName).Count() >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((eventName, count, done));
            return done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        }
    }

    private void Add(LogEntry entry)
    {
        _entries.Enqueue(entry);
        lock (_lock)
        {
            foreach (var waiter in _waiters.Where(w => Named(w.EventName).Count() >= w.Count).ToList())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    public sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

    private sealed class Logger(LogRecorder owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
