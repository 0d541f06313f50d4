using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Microsoft.ML.Minibatch.Tests.Data;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 with an ephemeral port, written on raw sockets so a
/// test can make it misbehave precisely (close the connection halfway through a body).
/// </summary>
internal sealed class LoopbackHttpServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly ConcurrentDictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public LoopbackHttpServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = Task.Run(AcceptLoop);
    }

    public Uri BaseUri { get; }

    /// <summary>Paths requested, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Serves <paramref name="body"/> at <paramref name="path"/>; with <paramref name="cutAfter"/>, announces the full length but closes after that many bytes.</summary>
    public void Serve(string path, byte[] body, int? cutAfter = null, TimeSpan? delay = null) =>
        _routes[path] = new Route(body, cutAfter, delay ?? TimeSpan.Zero);

    public int CountRequests(string path) => Requests.Count(p => p == path);

    /// <summary>A URL on which nothing listens: connections are refused.</summary>
    public static Uri RefusingUri()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new Uri($"http://127.0.0.1:{port}/mnist/");
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => Handle(client));
        }
    }

    private async Task Handle(TcpClient client)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                string? path = await ReadRequestPath(stream);
                if (path is null) return;
                Requests.Enqueue(path);
                if (!_routes.TryGetValue(path, out Route? route))
                {
                    await Write(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    return;
                }
                if (route.Delay > TimeSpan.Zero) await Task.Delay(route.Delay);
                await Write(stream, $"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {route.Body.Length}\r\nConnection: close\r\n\r\n");
                int length = Math.Min(route.Body.Length, route.CutAfter ?? int.MaxValue);
                await stream.WriteAsync(route.Body.AsMemory(0, length));
                await stream.FlushAsync();
            }
            catch (IOException)
            {
                // The client went away; nothing to serve.
            }
        }
    }

    private static async Task<string?> ReadRequestPath(NetworkStream stream)
    {
        var header = new StringBuilder();
        var one = new byte[1];
        while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one) == 0) return null;
            header.Append((char)one[0]);
        }
        string[] requestLine = header.ToString().Split("\r\n")[0].Split(' ');
        return requestLine.Length >= 2 ? requestLine[1] : null;
    }

    private static Task Write(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _accepting.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }

    private sealed record Route(byte[] Body, int? CutAfter, TimeSpan Delay);
}
