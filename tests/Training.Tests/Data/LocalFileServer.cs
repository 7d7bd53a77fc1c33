using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Autoencoder.Training.Tests.Data;

/// <summary>Serves the files of one folder over HTTP on 127.0.0.1 and counts the requests per file.</summary>
internal sealed class LocalFileServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly string root;
    private readonly Task loop;

    public LocalFileServer(string root)
    {
        this.root = root;
        var port = FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/mnist/");
        listener.Prefixes.Add(BaseUrl.ToString());
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public Uri BaseUrl { get; }

    public ConcurrentDictionary<string, int> Requests { get; } = new();

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends with the listener.
        }
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var name = Path.GetFileName(context.Request.Url!.AbsolutePath);
            Requests.AddOrUpdate(name, 1, (_, count) => count + 1);
            var path = Path.Combine(root, name);
            if (File.Exists(path))
            {
                var bytes = await File.ReadAllBytesAsync(path);
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
            }
            else
            {
                context.Response.StatusCode = 404;
            }

            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
