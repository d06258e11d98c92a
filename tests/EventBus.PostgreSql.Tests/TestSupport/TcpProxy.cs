using System.Net;
using System.Net.Sockets;

namespace EventBus.PostgreSql.Tests.TestSupport;

/// <summary>A loopback TCP forwarder in front of the PostgreSQL server, so a test can cut one app instance off the
/// database (as if its host died or lost the network) while the server and the other instances carry on.</summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly List<TcpClient> _open = [];
    private readonly CancellationTokenSource _stopped = new();
    private readonly Task _accepting;
    private bool _cut;

    public TcpProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Closes every forwarded connection and refuses new ones until the proxy is disposed.</summary>
    public void Cut()
    {
        lock (_open)
        {
            _cut = true;
            foreach (var client in _open)
            {
                client.Dispose();
            }

            _open.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Cut();
        await _stopped.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stopped.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopped.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stopped.Token);
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        var server = new TcpClient();
        if (!Track(client) || !Track(server))
        {
            client.Dispose();
            server.Dispose();
            return;
        }

        try
        {
            await server.ConnectAsync(_targetHost, _targetPort, _stopped.Token);
            var up = client.GetStream().CopyToAsync(server.GetStream(), _stopped.Token);
            var down = server.GetStream().CopyToAsync(client.GetStream(), _stopped.Token);
            await Task.WhenAny(up, down);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    private bool Track(TcpClient client)
    {
        lock (_open)
        {
            if (_cut)
            {
                return false;
            }

            _open.Add(client);
            return true;
        }
    }
}
