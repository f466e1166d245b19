using System.Net;
using System.Net.Sockets;

namespace Portal.E2E.Support;

/// <summary>
/// A loopback TCP port that forwards to another: the test's way to take a database away from one app and give it
/// back (Stop cuts every connection and refuses new ones; Start listens on the same port again).
/// </summary>
public sealed class TcpForwarder(string targetHost, int targetPort) : IAsyncDisposable
{
    private readonly List<TcpClient> open = [];
    private TcpListener? listener;
    private CancellationTokenSource? running;
    private Task? accepting;

    public int Port { get; private set; }

    public void Start()
    {
        listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        running = new CancellationTokenSource();
        accepting = AcceptAsync(listener, running.Token);
    }

    public async Task StopAsync()
    {
        if (running is null)
        {
            return;
        }

        await running.CancelAsync();
        listener!.Stop();
        lock (open)
        {
            foreach (var client in open)
            {
                client.Dispose();
            }

            open.Clear();
        }

        await accepting!.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        running.Dispose();
        running = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task AcceptAsync(TcpListener server, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var client = await server.AcceptTcpClientAsync(ct);
            var target = new TcpClient();
            try
            {
                await target.ConnectAsync(targetHost, targetPort, ct);
            }
            catch (SocketException)
            {
                client.Dispose();
                target.Dispose();
                continue;
            }

            lock (open)
            {
                open.Add(client);
                open.Add(target);
            }

            _ = PumpAsync(client, target, ct);
            _ = PumpAsync(target, client, ct);
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to, CancellationToken ct)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream(), ct);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }
}
