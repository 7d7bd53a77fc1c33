using System.Buffers;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Limits;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Autoencoder.Api.Endpoints;

/// <summary>
/// Reads uploaded image files from a request: named multipart/form-data fields (what Swagger UI and HTML forms
/// send), or, for a single image, the raw body with Content-Type image/png or image/jpeg (what curl --data-binary sends).
/// </summary>
public sealed class ImageUploads(IOptions<LimitsOptions> options)
{
    public static readonly string[] RawImageTypes = ["image/png", "image/jpeg"];

    public async Task<byte[]> ReadOneAsync(HttpRequest request, string field, CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            var form = await ReadFormAsync(request, cancellationToken);
            return await ReadFieldAsync(form, field, cancellationToken);
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !RawImageTypes.Contains(contentType.MediaType.Value, StringComparer.OrdinalIgnoreCase))
        {
            throw ClientInputException.UnsupportedFormat(
                $"Send the image as a multipart/form-data field '{field}', or as the raw body with Content-Type image/png or image/jpeg (got '{request.ContentType ?? "none"}').");
        }

        return await ReadLimitedAsync(request.Body, request.ContentLength, "The request body", options.Value.MaxImageBytes, "send a PNG or JPEG image", cancellationToken);
    }

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

    /// <summary>Whether a body begins with gzip's magic bytes.</summary>
    public static bool StartsAsGzip(ReadOnlySpan<byte> body) => body.Length >= 2 && body[0] == 0x1f && body[1] == 0x8b;

    /// <summary>Whether a request says its body is gzip (Content-Encoding).</summary>
    public static bool DeclaresGzip(HttpRequest request) =>
        request.Headers.ContentEncoding.Any(encoding => string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase));

    public async Task<(byte[] First, byte[] Second)> ReadTwoAsync(HttpRequest request, string firstField, string secondField, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            throw ClientInputException.UnsupportedFormat(
                $"Send the two images as multipart/form-data fields '{firstField}' and '{secondField}' (got '{request.ContentType ?? "none"}').");
        }

        var form = await ReadFormAsync(request, cancellationToken);
        return (await ReadFieldAsync(form, firstField, cancellationToken), await ReadFieldAsync(form, secondField, cancellationToken));
    }

    /// <summary>
    /// The form parser reports a malformed body as InvalidDataException (no boundary) or IOException (cut short, no
    /// closing boundary); if the client went away instead, nobody reads the 400. BadHttpRequestException (an
    /// IOException too) keeps its own status, e.g. 413 for a body over the server's limit.
    /// </summary>
    private async Task<IFormCollection> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            // The form reader's own limits (body length, field count, header length) from Limits.
            throw ClientInputException.TooLarge($"The multipart/form-data body is over a limit: {e.Message.Trim()}");
        }
        catch (Exception e) when (e is InvalidDataException or (IOException and not BadHttpRequestException))
        {
            throw ClientInputException.Invalid($"The multipart/form-data body is malformed: {e.Message.Trim()}");
        }

        var most = options.Value.MaxFormFiles;
        return form.Files.Count <= most
            ? form
            : throw ClientInputException.Invalid($"The form carries {form.Files.Count} files; at most {most} are accepted.");
    }

    private async Task<byte[]> ReadFieldAsync(IFormCollection form, string field, CancellationToken cancellationToken)
    {
        var files = form.Files.GetFiles(field);
        if (files.Count == 0)
        {
            var sent = form.Files.Count == 0 ? "no files" : "files in " + string.Join(", ", form.Files.Select(file => $"'{file.Name}'").Distinct());
            throw ClientInputException.Invalid($"Missing the image file in form field '{field}' (the request has {sent}).");
        }

        if (files.Count > 1)
        {
            throw ClientInputException.Invalid($"Form field '{field}' holds {files.Count} files; send exactly one.");
        }

        await using var stream = files[0].OpenReadStream();
        return await ReadLimitedAsync(stream, files[0].Length, $"The file in '{field}'", options.Value.MaxImageBytes, "send a PNG or JPEG image", cancellationToken);
    }

    /// <summary>
    /// Reads a whole stream of at most <paramref name="limit"/> bytes. With its length known in advance (a
    /// Content-Length, a form file's size) and within the limit, the bytes go straight into one array of that size;
    /// otherwise through a pooled chunk into a growing buffer, which stops at the limit (or the server's own).
    /// </summary>
    private static async Task<byte[]> ReadLimitedAsync(Stream stream, long? knownLength, string what, long limit, string whenEmpty, CancellationToken cancellationToken)
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
