using Autoencoder.Api.Http;
using System.Buffers.Binary;
using System.IO.Compression;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Formats;
using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Autoencoder.Api.Endpoints;

/// <summary>
/// Requests whose body is an IDX image file (Content-Type application/x-idx, raw or gzip): /encode streams every
/// image's latent back as JSON or .npy; /score answers every image's anomaly score, or a grid of their heat maps;
/// /denoise answers an IDX file of every image denoised.
/// </summary>
public static class IdxRequests
{
    /// <summary>
    /// All images of the file to latents: JSON by default, .npy float32 [N, latent] on request. The header and the
    /// file's length are checked before the response starts; then the pixels are decompressed, encoded and written a
    /// window at a time, the next window decompressing while this one is encoded.
    /// </summary>
    public static async Task<PushStreamHttpResult> EncodeAsync(ImageCall call, OnnxAutoencoder model)
    {
        var (service, cancellationToken) = (call.Service, call.CancellationToken);
        var (content, count) = await OpenAsync(call.Request, model, call.Limits, cancellationToken);
        var format = ResponseFormat.Choose(call.Request, ResponseFormat.Json, Npy.MediaType);
        return TypedResults.Stream(
            async output =>
            {
                await using (content)
                {
                    var windows = IdxImages.ReadWindowsAsync(content, count, model.Manifest.Image, AutoencoderService.WindowRows, cancellationToken);
                    var latents = service.EncodeWindowsAsync(model, windows, cancellationToken);
                    await (format == Npy.MediaType
                        ? Latents.WriteNpyAsync(output, latents, count, model.LatentSize, cancellationToken)
                        : Latents.WriteJsonAsync(output, model.Name, latents, count, model.LatentSize, cancellationToken));
                }
            },
            format);
    }

    /// <summary>Every image's reconstruction error, its percentile and whether it is above <paramref name="threshold"/>.</summary>
    public static async Task<Ok<BulkScoreResponse>> ScoreAsync(ImageCall call, OnnxAutoencoder model, double threshold)
    {
        var (content, count) = await OpenAsync(call.Request, model, call.Limits, call.CancellationToken);
        var inputs = await ReadModelInputAsync(content, count, model, call.CancellationToken);
        var manifest = model.Manifest;
        var scores = call.Service.ReconstructionErrors(model, inputs, count, call.CancellationToken).Select(error => AnomalyScores.Score(manifest, error, threshold)).ToArray();
        return TypedResults.Ok(new BulkScoreResponse(
            model.Name,
            count,
            threshold,
            scores.Count(score => score.Unusual),
            [.. scores.Select(score => score.MeanSquaredError)],
            [.. scores.Select(score => score.Percentile)],
            [.. scores.Select(score => score.Unusual)]));
    }

    /// <summary>
    /// Every image's heat map in one grid, for at most <see cref="LimitsOptions.MaxHeatMapImages"/> images: the count is
    /// checked against it before the pixels are read.
    /// </summary>
    public static async Task<FileContentHttpResult> HeatMapGridAsync(ImageCall call, OnnxAutoencoder model)
    {
        var limits = call.Limits;
        var (content, count) = await OpenAsync(call.Request, model, limits, call.CancellationToken);
        if (count > limits.MaxHeatMapImages)
        {
            await content.DisposeAsync();
            throw ClientInputException.TooLarge(
                $"A grid of heat maps holds at most {limits.MaxHeatMapImages} images and this IDX file has {count}: send at most {limits.MaxHeatMapImages}, or ask for the scores as JSON (Accept: application/json).");
        }

        var inputs = await ReadModelInputAsync(content, count, model, call.CancellationToken);
        var reconstructions = call.Service.ReconstructMany(model, inputs, count, call.CancellationToken);
        return TypedResults.File(call.Images.ToHeatMapGrid(inputs, reconstructions, count, model.Manifest.Image), ResponseFormat.Png);
    }

    /// <summary>
    /// Every image of the file denoised by the model, as an IDX file; with <paramref name="noise"/>, each image is
    /// corrupted by it first, in file order.
    /// </summary>
    public static async Task<FileContentHttpResult> DenoiseAsync(ImageCall call, OnnxAutoencoder model, AddedNoise? noise)
    {
        ResponseFormat.Require(call.Request, "an IDX file", IdxImages.MediaType);
        var (content, count) = await OpenAsync(call.Request, model, call.Limits, call.CancellationToken);
        var inputs = await ReadModelInputAsync(content, count, model, call.CancellationToken);
        noise?.Apply(inputs, model.PixelCount);
        var denoised = call.Service.ReconstructMany(model, inputs, count, call.CancellationToken);
        return TypedResults.File(IdxImages.FromModelOutput(denoised, count, model.Manifest.Image), IdxImages.MediaType);
    }

    /// <summary>All the file's pixels as the model's input; the stream is disposed.</summary>
    private static async Task<float[]> ReadModelInputAsync(Stream content, int count, OnnxAutoencoder model, CancellationToken cancellationToken)
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
    private static async Task<(Stream Content, int Count)> OpenAsync(
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
