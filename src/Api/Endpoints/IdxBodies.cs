using System.Buffers.Binary;
using System.IO.Compression;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Formats;
using Autoencoder.Api.Http;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;

namespace Autoencoder.Api.Endpoints;

/// <summary>
/// Request bodies that are IDX image files (Content-Type application/x-idx, raw or gzip), as the bulk routes read
/// them: the header checked against the model and the limits before any answer starts, then the pixels.
/// </summary>
public static class IdxBodies
{
    /// <summary>Whether the request's body is an IDX file.</summary>
    public static bool IsIdx(HttpRequest request) => RequestBodies.HasContentType(request, IdxImages.MediaType);

    /// <summary>All the file's pixels as the model's input; the stream is disposed.</summary>
    public static async Task<float[]> ReadModelInputAsync(Stream content, int count, OnnxAutoencoder model, CancellationToken cancellationToken)
    {
        await using (content)
        {
            var pixels = new byte[count * model.PixelCount];
            try
            {
                await content.ReadExactlyAsync(pixels, cancellationToken);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                throw ClientInputException.Invalid($"The body is not a complete IDX file: {e.Message}");
            }

            var inputs = new float[pixels.Length];
            IdxImages.ToModelInput(pixels, inputs);
            return inputs;
        }
    }

    /// <summary>
    /// The pixels of the file, positioned after a header that was checked against the model and the limits, and the
    /// image count. gzip records the uncompressed length (modulo 2^32) in its last four bytes: a truncated or padded
    /// file is refused here, with a 400, rather than found halfway through a response already under way.
    /// </summary>
    public static async Task<(Stream Content, int Count)> OpenAsync(
        HttpRequest request, OnnxAutoencoder model, LimitsOptions limits, CancellationToken cancellationToken)
    {
        var (body, isGzip) = await RequestBodies.ReadBulkBodyAsync(request, limits.MaxBulkBodyBytes, cancellationToken);
        var shape = model.Manifest.Image;
        var content = isGzip
            ? new GZipStream(new MemoryStream(body), CompressionMode.Decompress)
            : (Stream)new MemoryStream(body, writable: false);
        try
        {
            var header = new byte[IdxImages.HeaderBytes];
            var headerRead = content.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            var count = IdxImages.ReadHeader(header.AsSpan(0, headerRead), shape, limits.MaxBulkImages);
            IdxImages.RequireLength(isGzip ? GzipLength(body, IdxImages.HeaderBytes + ((long)count * shape.PixelCount)) : body.Length, count, shape);
            return (content, count);
        }
        catch (InvalidDataException e)
        {
            await content.DisposeAsync();
            throw ClientInputException.Invalid($"The body is not valid gzip: {e.Message}");
        }
        catch
        {
            await content.DisposeAsync();
            throw;
        }
    }

    /// <summary>The uncompressed length a single-member gzip file records, taken as <paramref name="expected"/> when it agrees modulo 2^32.</summary>
    private static long GzipLength(byte[] gzip, long expected)
    {
        var recorded = gzip.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(gzip.AsSpan(gzip.Length - 4)) : 0;
        return recorded == (uint)expected ? expected : recorded;
    }
}
