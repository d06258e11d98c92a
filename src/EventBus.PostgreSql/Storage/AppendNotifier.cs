using System.Security.Cryptography;
using System.Text;
using EventBus.PostgreSql.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventBus.PostgreSql.Storage;

/// <summary>Tells other app instances that events were appended, and hears them: a <c>NOTIFY</c> without payload
/// sent after the append commits (never inside the append's transaction, where it would serialize commits further),
/// coalesced so that a burst of appends sends one or two; and one dedicated <c>LISTEN</c> connection, reopened when
/// it drops. Waiters still poll as a fallback, so a lost notification only delays them.</summary>
internal sealed class AppendNotifier : IAsyncDisposable
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    private readonly NpgsqlDataSource _dataSource;
    private readonly Func<CancellationToken, Task> _onNotified;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string _notifySql;
    private readonly string _listenSql;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private Task? _listening;
    private int _notifyPending;
    private int _notifying;

    /// <param name="dataSource">The pool the notifications go through.</param>
    /// <param name="schema">The schema whose appends are announced; it names the channel.</param>
    /// <param name="onNotified">Called when another instance (or this one) announced appends, and after every
    /// (re)connect of the listener, since appends may have been missed while it was not listening.</param>
    /// <param name="timeProvider">The clock for the reconnect delay.</param>
    /// <param name="logger">The logger.</param>
    public AppendNotifier(NpgsqlDataSource dataSource, string schema, Func<CancellationToken, Task> onNotified, TimeProvider timeProvider, ILogger logger)
    {
        _dataSource = dataSource;
        _onNotified = onNotified;
        _timeProvider = timeProvider;
        _logger = logger;

        // A channel name is an identifier (at most 63 bytes): a short hash of the schema keeps it valid for every
        // schema name and apart from other schemas on the same database.
        Channel = "eventbus_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(schema)).AsSpan(0, 8));
        _notifySql = $"SELECT pg_notify('{Channel}', '')";
        _listenSql = $"LISTEN {Channel}";
    }

    /// <summary>Gets the notification channel.</summary>
    public string Channel { get; }

    /// <summary>Announces committed appends; returns at once. Calls made while a notification is in flight are
    /// coalesced into one more.</summary>
    public void AnnounceAppend()
    {
        Volatile.Write(ref _notifyPending, 1);
        if (Interlocked.CompareExchange(ref _notifying, 1, 0) == 0)
        {
            _ = NotifyLoopAsync();
        }
    }

    /// <summary>Starts the listener if it is not running yet.</summary>
    public void EnsureListening()
    {
        if (Volatile.Read(ref _listening) is not null)
        {
            return;
        }

        lock (_lock)
        {
            if (_listening is null && !_stopping.IsCancellationRequested)
            {
                _listening = Task.Run(() => ListenLoopAsync(_stopping.Token));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? listening;
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            _stopping.Cancel();
            listening = _listening;
        }

        // The token source stays undisposed: a notification handed off just now may still read its token.
        if (listening is not null)
        {
            await listening.ConfigureAwait(false);
        }
    }

    private async Task NotifyLoopAsync()
    {
        while (true)
        {
            while (Interlocked.Exchange(ref _notifyPending, 0) == 1)
            {
                try
                {
                    var command = _dataSource.CreateCommand(_notifySql);
                    await using var commandScope = command.ConfigureAwait(false);
                    await command.ExecuteNonQueryAsync(_stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
                {
                    // Listeners fall back to polling; the append itself has committed.
                    Log.NotifyFailed(_logger, Channel, ex);
                }
            }

            Volatile.Write(ref _notifying, 0);

            // An announcement that arrived after the last check but before the flag was cleared is not lost.
            if (Volatile.Read(ref _notifyPending) == 0 || Interlocked.CompareExchange(ref _notifying, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private async Task ListenLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var connection = await _dataSource.OpenConnectionAsync(stopping).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                connection.Notification += OnNotification;
                var listen = new NpgsqlCommand(_listenSql, connection);
                await using (listen.ConfigureAwait(false))
                {
                    await listen.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                }

                Log.Listening(_logger, Channel);

                // Appends committed while nobody listened were not heard: look once now.
                await _onNotified(stopping).ConfigureAwait(false);
                while (true)
                {
                    await connection.WaitAsync(stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
            {
                Log.ListenerFailed(_logger, Channel, ReconnectDelay, ex);
            }

            try
            {
                await Task.Delay(ReconnectDelay, _timeProvider, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs args)
    {
        // Raised on the listener's read loop: hand the work off instead of running a query here.
        _ = Task.Run(() => _onNotified(_stopping.Token));
    }
}
