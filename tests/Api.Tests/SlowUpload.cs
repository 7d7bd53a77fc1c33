using System.Net.Sockets;
using System.Text;

namespace Autoencoder.Api.Tests;

/// <summary>
/// An HTTP/1.1 POST written by hand over a socket, its body in two halves with a pause the test controls: a
/// request that is certainly in flight, past the limiters and inside its handler, until the test lets it finish.
/// </summary>
public sealed class SlowUpload : IDisposable
{
    private readonly TcpClient client = new();
    private readonly byte[] body;
    private NetworkStream? stream;

    private SlowUpload(byte[] body) => this.body = body;

    /// <summary>Connects and sends the headers and the first half of <paramref name="body"/>.</summary>
    public static async Task<SlowUpload> StartAsync(Uri server, string pathAndQuery, byte[] body, string contentType)
    {
        var upload = new SlowUpload(body);
        await upload.client.ConnectAsync(server.Host, server.Port);
        upload.stream = upload.client.GetStream();
        var headers = $"POST {pathAndQuery} HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await upload.stream.WriteAsync(Encoding.ASCII.GetBytes(headers));
        await upload.stream.WriteAsync(body.AsMemory(0, body.Length / 2));
        await upload.stream.FlushAsync();
        return upload;
    }

    /// <summary>
    /// Connects and sends the headers of a POST that declares <paramref name="declaredLength"/> bytes of body, and then only
    /// <paramref name="start"/>: a client that has stopped sending, or sends too slowly.
    /// </summary>
    public static async Task<SlowUpload> StallAsync(Uri server, string pathAndQuery, string contentType, long declaredLength, byte[] start, string extraHeaders = "")
    {
        var upload = new SlowUpload([]);
        await upload.client.ConnectAsync(server.Host, server.Port);
        upload.stream = upload.client.GetStream();
        var headers = $"POST {pathAndQuery} HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Type: {contentType}\r\nContent-Length: {declaredLength}\r\n{extraHeaders}\r\n";
        await upload.stream.WriteAsync(Encoding.ASCII.GetBytes(headers));
        await upload.stream.WriteAsync(start);
        await upload.stream.FlushAsync();
        return upload;
    }

    /// <summary>Sends <paramref name="bytes"/> more of the body.</summary>
    public async Task SendAsync(byte[] bytes)
    {
        await stream!.WriteAsync(bytes);
        await stream.FlushAsync();
    }

    /// <summary>Reads the response (headers, then the body as sent) as text, until the server closes the connection; sends nothing more.</summary>
    public async Task<string> ReadResponseAsync()
    {
        using var reader = new StreamReader(stream!, Encoding.ASCII, leaveOpen: true);
        return await reader.ReadToEndAsync();
    }

    /// <summary>Sends the rest of the body (if the server still reads) and returns the response's status code.</summary>
    public async Task<int> FinishAsync()
    {
        try
        {
            await stream!.WriteAsync(body.AsMemory(body.Length / 2));
        }
        catch (IOException)
        {
            // The server may have answered and closed already (a timeout, say).
        }

        using var reader = new StreamReader(stream!, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync() ?? throw new IOException("no response");
        return int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>As <see cref="FinishAsync"/>, but reads the whole response (headers, then the body as sent) as text.</summary>
    public async Task<string> FinishReadingAllAsync()
    {
        try
        {
            await stream!.WriteAsync(body.AsMemory(body.Length / 2));
        }
        catch (IOException)
        {
            // The server may have answered and closed already (a timeout, say).
        }

        using var reader = new StreamReader(stream!, Encoding.ASCII);
        return await reader.ReadToEndAsync();
    }

    public void Dispose()
    {
        stream?.Dispose();
        client.Dispose();
    }
}
