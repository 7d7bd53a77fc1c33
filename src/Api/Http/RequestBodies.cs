using System.Buffers;
using Autoencoder.Api.Errors;

namespace Autoencoder.Api.Http;

/// <summary>Whole request bodies, read within a limit, and what their first bytes or headers say of their encoding.</summary>
public static class RequestBodies
{
    /// <summary>
    /// The whole body of a bulk request as sent, at most <paramref name="maxBytes"/>, and whether it is gzip (by
    /// Content-Encoding or by its first bytes).
    /// </summary>
    public static Task<(byte[] Body, bool IsGzip)> ReadBulkBodyAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken) =>
        ReadBulkBodyAsync(request, request.Body, maxBytes, cancellationToken);

    private static async Task<(byte[] Body, bool IsGzip)> ReadBulkBodyAsync(HttpRequest request, Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        var raw = await ReadLimitedAsync(body, request.ContentLength, "The request body", maxBytes, "send the file as the body", cancellationToken);
        return (raw, StartsAsGzip(raw) || DeclaresGzip(request));
    }

    /// <summary>The body of a bulk request, decompressed if it is gzip, at most <paramref name="maxBytes"/> either way.</summary>
    public static Task<byte[]> ReadBodyAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken) =>
        ReadBodyAsync(request, request.Body, maxBytes, cancellationToken);

    /// <summary>
    /// As <see cref="ReadBodyAsync(HttpRequest, long, CancellationToken)"/>, the body read from <paramref name="body"/>:
    /// the request's <see cref="HttpRequest.BodyReader"/> as a stream, say, once some of it has been looked at there.
    /// </summary>
    public static async Task<byte[]> ReadBodyAsync(HttpRequest request, Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        var (raw, gzip) = await ReadBulkBodyAsync(request, body, maxBytes, cancellationToken);
        if (!gzip)
        {
            return raw;
        }

        try
        {
            await using var decompressing = new System.IO.Compression.GZipStream(new MemoryStream(raw), System.IO.Compression.CompressionMode.Decompress);
            return await ReadLimitedAsync(decompressing, null, "The decompressed body", maxBytes, "send a file with data in it", cancellationToken);
        }
        catch (InvalidDataException e)
        {
            throw ClientInputException.Invalid($"The body is not valid gzip: {e.Message}");
        }
    }

    /// <summary>Whether the request's Content-Type is <paramref name="mediaType"/> (parameters aside).</summary>
    public static bool HasContentType(HttpRequest request, string mediaType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
        && contentType.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the request's body may be gzip: it says so, or its first bytes are gzip's. A body not received yet
    /// cannot be looked at, so it may be.
    /// </summary>
    public static bool MayBeGzip(HttpRequest request)
    {
        if (DeclaresGzip(request))
        {
            return true;
        }

        if (request.HttpContext.Features.Get<Limits.IReceivedBodyFeature>() is null || !request.BodyReader.TryRead(out var result))
        {
            return true;
        }

        // A look, not a read: the handler reads the body from its start.
        var start = result.Buffer.Slice(0, Math.Min(2, result.Buffer.Length));
        Span<byte> first = stackalloc byte[2];
        start.CopyTo(first);
        var gzip = start.Length < 2 || StartsAsGzip(first);
        request.BodyReader.AdvanceTo(result.Buffer.Start);
        return gzip;
    }

    /// <summary>Whether a body begins with gzip's magic bytes.</summary>
    public static bool StartsAsGzip(ReadOnlySpan<byte> body) => body.Length >= 2 && body[0] == 0x1f && body[1] == 0x8b;

    /// <summary>Whether a request says its body is gzip (Content-Encoding).</summary>
    public static bool DeclaresGzip(HttpRequest request) =>
        request.Headers.ContentEncoding.Any(encoding => string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Reads a whole stream of at most <paramref name="limit"/> bytes. With its length known in advance (a
    /// Content-Length, a form file's size) and within the limit, the bytes go straight into one array of that size;
    /// otherwise through a pooled chunk into a growing buffer, which stops at the limit (or the server's own).
    /// </summary>
    internal static async Task<byte[]> ReadLimitedAsync(Stream stream, long? knownLength, string what, long limit, string whenEmpty, CancellationToken cancellationToken)
    {
        if (knownLength is { } length && length > 0 && length <= limit)
        {
            // The server ends a body at its Content-Length, and a form file at its size, so no byte can follow.
            var exact = new byte[length];
            var read = await stream.ReadAtLeastAsync(exact, exact.Length, throwOnEndOfStream: false, cancellationToken);
            if (read == exact.Length)
            {
                return exact;
            }

            throw ClientInputException.Invalid($"{what} ended after {read} of the {length} bytes its length says.");
        }

        // A pooled chunk: a fresh one per request was most of what a digit upload allocated.
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw ClientInputException.TooLarge($"{what} is larger than the {limit} bytes it may have.");
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        if (buffer.Length == 0)
        {
            throw ClientInputException.Invalid($"{what} is empty; {whenEmpty}.");
        }

        return buffer.ToArray();
    }
}
