using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EventBus.Tests.Sagas;

/// <summary>Captures log entries so a test can await one by event name instead of sleeping.</summary>
public sealed class LogRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Name, LogLevel Level, string Message)> _entries = new();
    private readonly Lock _lock = new();
    private readonly List<(string Name, Func<string, bool> Match, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyList<(string Name, LogLevel Level, string Message)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    public Task WaitForAsync(string eventName, Func<string, bool>? match = null)
    {
        match ??= _ => true;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_entries.Any(e => e.Name == eventName && match(e.Message)))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((eventName, match, done));
        }

        return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private void Add(string name, LogLevel level, string message)
    {
        lock (_lock)
        {
            _entries.Enqueue((name, level, message));
            foreach (var waiter in _waiters.Where(w => w.Name == name && w.Match(message)).ToList())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed class Logger(LogRecorder owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(eventId.Name ?? string.Empty, logLevel, formatter(state, exception));
    }
}
