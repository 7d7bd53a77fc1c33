using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Autoencoder.Api.Endpoints;

/// <summary>
/// Many images or latents in one request: an IDX file to /encode, a .npy matrix or a JSON array of latents to
/// /decode. The model runs them in batches of <see cref="ChunkSize"/>, and latents are written to the response as
/// each batch finishes.
/// </summary>
public static class BulkInference
{
    /// <summary>Rows per ONNX Runtime run: large enough that per-run overhead vanishes, small enough to stream.</summary>
    public const int ChunkSize = 256;

    /// <summary>Chunks encoded in parallel before they are written: 4 x 256 = 1,024 rows (larger windows were no faster).</summary>
    private const int Window = 4;

    public static bool IsBulkEncode(HttpRequest request) => HasContentType(request, IdxImages.MediaType);

    public static bool IsNpy(HttpRequest request) => HasContentType(request, Npy.MediaType);

    /// <summary>
    /// All images of an IDX file (raw or gzip) to latents: JSON by default, .npy float32 [N, latent] on request. The
    /// header and the file's length are checked before the response starts; then the pixels are decompressed,
    /// encoded and written a window at a time, the next window decompressing while this one is encoded.
    /// </summary>
    public static async Task<PushStreamHttpResult> EncodeIdxAsync(
        HttpRequest request, OnnxAutoencoder model, LimitsOptions limits, CancellationToken cancellationToken)
    {
        var (content, count) = await OpenIdxAsync(request, model, limits, cancellationToken);
        var format = ResponseFormat.Choose(request, ResponseFormat.Json, Npy.MediaType);
        return TypedResults.Stream(
            async output =>
            {
                await using (content)
                {
                    var latents = EncodeStreamingAsync(model, content, count, cancellationToken);
                    await (format == Npy.MediaType
                        ? WriteNpyAsync(output, model, latents, count, cancellationToken)
                        : WriteJsonAsync(output, model, latents, count, cancellationToken));
                }
            },
            format);
    }

    /// <summary>
    /// All images of an IDX file (raw or gzip) as model inputs, [count, pixels] row-major, for answers that need every
    /// image before they start (scores). The same header, length and size limits as <see cref="EncodeIdxAsync"/>.
    /// </summary>
    public static async Task<(float[] Images, int Count)> ReadIdxAsync(
        HttpRequest request, OnnxAutoencoder model, LimitsOptions limits, CancellationToken cancellationToken)
    {
        var (content, count) = await OpenIdxAsync(request, model, limits, cancellationToken);
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

            var images = new float[pixels.Length];
            IdxImages.ToModelInput(pixels, images);
            return (images, count);
        }
    }

    /// <summary>
    /// The pixels of an IDX file, positioned after a header that was checked against the model and the limits, and
    /// the image count. gzip records the uncompressed length (modulo 2^32) in its last four bytes: a truncated or
    /// padded file is refused here, with a 400, rather than found halfway through a response already under way.
    /// </summary>
    private static async Task<(Stream Content, int Count)> OpenIdxAsync(
        HttpRequest request, OnnxAutoencoder model, LimitsOptions limits, CancellationToken cancellationToken)
    {
        var (body, isGzip) = await ImageUploads.ReadBulkBodyAsync(request, limits.MaxBulkBodyBytes, cancellationToken);
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

    /// <summary>Parses a .npy matrix of latents, one row each.</summary>
    public static async Task<(float[] Latents, int Count)> ReadNpyAsync(
        HttpRequest request, OnnxAutoencoder model, ImageUploads uploads, LimitsOptions limits, CancellationToken cancellationToken)
    {
        var file = await ImageUploads.ReadBodyAsync(request, limits.MaxBulkBodyBytes, cancellationToken);
        var latents = Npy.ReadMatrix(file, out var rows, out var columns);
        return (Validate(latents, rows, columns, model, limits), rows);
    }

    /// <summary>
    /// A /decode JSON body: {"latent": [...]} (one latent) or [[...], [...]] (a batch). Read here rather than by the
    /// framework's binder, so that both shapes work and every mistake gets a message that says where it is.
    /// </summary>
    public static async Task<(float[] Latents, int Count, bool IsBatch)> ReadJsonAsync(
        HttpRequest request, OnnxAutoencoder model, LimitsOptions limits, CancellationToken cancellationToken)
    {
        if (request.ContentLength == 0)
        {
            throw ClientInputException.Invalid("The body is empty; send a JSON object with a 'latent' array of numbers, or an array of such arrays.");
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(new LimitedStream(request.Body, limits.MaxJsonBodyBytes), default, cancellationToken);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            // ArgumentException: bytes that are not UTF-8 (DecoderFallbackException) before the parser sees a token.
            throw ClientInputException.Invalid($"The JSON body is not valid: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("latent", out var single) && single.ValueKind == JsonValueKind.Array)
            {
                var latent = Numbers(single, "latent");
                return (Validate(latent, 1, latent.Length, model, limits), 1, false);
            }

            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0 && root.EnumerateArray().All(row => row.ValueKind == JsonValueKind.Array))
            {
                var rows = root.EnumerateArray().Select((row, index) => Numbers(row, $"[{index}]")).ToArray();
                var columns = rows[0].Length;
                var ragged = Array.FindIndex(rows, row => row.Length != columns);
                if (ragged >= 0)
                {
                    throw ClientInputException.Invalid($"Latent [{ragged}] has {rows[ragged].Length} numbers, latent [0] has {columns}; all must have {model.LatentSize}.");
                }

                return (Validate([.. rows.SelectMany(row => row)], rows.Length, columns, model, limits), rows.Length, true);
            }

            throw ClientInputException.Invalid("The body must be a JSON object with a 'latent' array of numbers, or an array of such arrays.");
        }
    }

    private static float[] Numbers(JsonElement array, string where)
    {
        var numbers = new float[array.GetArrayLength()];
        var i = 0;
        foreach (var element in array.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var value) || !float.IsFinite((float)value))
            {
                throw ClientInputException.Invalid($"'{where}' must hold finite numbers in float range; element {i} is {Describe(element)}.");
            }

            numbers[i++] = (float)value;
        }

        return numbers;
    }

    /// <summary>An element as the client wrote it, for a message; the reader checks a string's UTF-8 only when it is read.</summary>
    private static string Describe(JsonElement element)
    {
        try
        {
            var text = element.GetRawText();
            return text.Length <= 40 ? text : text[..40] + "...";
        }
        catch (InvalidOperationException)
        {
            return "a string that is not valid UTF-8";
        }
    }

    private static float[] Validate(float[] latents, int rows, int columns, OnnxAutoencoder model, LimitsOptions limits)
    {
        if (columns != model.LatentSize)
        {
            throw ClientInputException.Invalid($"'latent' must have {model.LatentSize} numbers for model '{model.Name}', not {columns}.");
        }

        if (rows > limits.MaxBulkImages)
        {
            throw ClientInputException.TooLarge($"{rows} latents in one request; at most {limits.MaxBulkImages}.");
        }

        var bad = Array.FindIndex(latents, value => !float.IsFinite(value));
        if (bad >= 0)
        {
            throw ClientInputException.Invalid($"'latent' must hold finite numbers; latent[{bad / columns}][{bad % columns}] is {latents[bad]}.");
        }

        return latents;
    }

    private static async Task WriteNpyAsync(Stream output, OnnxAutoencoder model, IAsyncEnumerable<float[]> windows, int count, CancellationToken cancellationToken)
    {
        await output.WriteAsync(Npy.Header(count, model.LatentSize), cancellationToken);
        var bytes = new byte[Window * ChunkSize * model.LatentSize * sizeof(float)];
        await foreach (var latents in windows)
        {
            for (var i = 0; i < latents.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), latents[i]);
            }

            await output.WriteAsync(bytes.AsMemory(0, latents.Length * sizeof(float)), cancellationToken);
        }
    }

    private static async Task WriteJsonAsync(Stream output, OnnxAutoencoder model, IAsyncEnumerable<float[]> windows, int count, CancellationToken cancellationToken)
    {
        await using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteString("model", model.Name);
        json.WriteNumber("count", count);
        json.WriteStartArray("latents");
        await foreach (var latents in windows)
        {
            for (var row = 0; row < latents.Length / model.LatentSize; row++)
            {
                json.WriteStartArray();
                foreach (var value in latents.AsSpan(row * model.LatentSize, model.LatentSize))
                {
                    json.WriteNumberValue(value);
                }

                json.WriteEndArray();
            }

            await json.FlushAsync(cancellationToken);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// Latents in order, a window of <see cref="Window"/> chunks at a time. While a window's chunks are encoded in
    /// parallel (a session's Run is thread-safe, each run uses one thread), the next window's pixels are read, so
    /// decompression and inference overlap and memory stays at two windows whatever the file's size.
    /// </summary>
    private static async IAsyncEnumerable<float[]> EncodeStreamingAsync(
        OnnxAutoencoder model, Stream content, int count, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pixels = model.PixelCount;
        var latentSize = model.LatentSize;
        var windowRows = Window * ChunkSize;
        byte[][] buffers = [new byte[windowRows * pixels], new byte[windowRows * pixels]];
        var input = new float[windowRows * pixels];
        var reading = ReadRowsAsync(content, buffers[0], Math.Min(windowRows, count) * pixels, cancellationToken);
        for (int windowStart = 0, window = 0; windowStart < count; windowStart += windowRows, window++)
        {
            var rows = Math.Min(windowRows, count - windowStart);
            await reading;
            var current = buffers[window % 2];
            var nextRows = Math.Min(windowRows, count - windowStart - rows);
            reading = nextRows > 0 ? ReadRowsAsync(content, buffers[(window + 1) % 2], nextRows * pixels, cancellationToken) : Task.CompletedTask;

            IdxImages.ToModelInput(current.AsSpan(0, rows * pixels), input);
            var latents = new float[rows * latentSize];
            var chunks = (rows + ChunkSize - 1) / ChunkSize;
            Parallel.For(0, chunks, new ParallelOptions { CancellationToken = cancellationToken }, chunk =>
            {
                var start = chunk * ChunkSize;
                var chunkRows = Math.Min(ChunkSize, rows - start);
                model.Encode(input.AsMemory(start * pixels, chunkRows * pixels), chunkRows, cancellationToken)
                    .CopyTo(latents, start * latentSize);
            });
            yield return latents;
        }

        await reading;
    }

    /// <summary>Fills <paramref name="buffer"/> on another thread: gzip inflates synchronously, and it is the slow part.</summary>
    private static Task ReadRowsAsync(Stream content, byte[] buffer, int length, CancellationToken cancellationToken) =>
        Task.Run(() => content.ReadExactly(buffer, 0, length), cancellationToken);

    /// <summary>The uncompressed length a single-member gzip file records, taken as <paramref name="expected"/> when it agrees modulo 2^32.</summary>
    private static long GzipLength(byte[] gzip, long expected)
    {
        var recorded = gzip.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(gzip.AsSpan(gzip.Length - 4)) : 0;
        return recorded == (uint)expected ? expected : recorded;
    }

    private static bool HasContentType(HttpRequest request, string mediaType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
        && contentType.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase);
}
