using Autoencoder.Api.Http;
using System.Buffers.Binary;
using System.IO.Compression;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Formats;
using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Autoencoder.Core;
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
        call.Reserve(AnswerMemory.Body(call.Request, call.Limits.MaxBulkBodyBytes) + AnswerMemory.Window(model, AutoencoderService.WindowRows), "An IDX file to encode");
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
        var cancellationToken = call.CancellationToken;
        call.Reserve(AnswerMemory.Body(call.Request, call.Limits.MaxBulkBodyBytes) + AnswerMemory.Window(model, AutoencoderService.WindowRows), "An IDX file to score");
        var (content, count) = await OpenAsync(call.Request, model, call.Limits, cancellationToken);
        call.Reserve(AnswerMemory.Scores(count), $"Scores of {count} images");
        var manifest = model.Manifest;
        var pixels = model.PixelCount;
        var scores = new List<AnomalyScore>(count);
        await using (content)
        {
            var windows = IdxImages.ReadWindowsAsync(content, count, manifest.Image, AutoencoderService.WindowRows, cancellationToken);
            await foreach (var (input, rows, output) in call.Service.ReconstructWindowsAsync(model, windows, cancellationToken))
            {
                for (var row = 0; row < rows; row++)
                {
                    var error = PixelValues.MeanSquaredError(input.AsSpan(row * pixels, pixels), output.AsSpan(row * pixels, pixels));
                    scores.Add(AnomalyScores.Score(manifest, error, threshold));
                }
            }
        }

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

        try
        {
            call.Reserve(AnswerMemory.Body(call.Request, limits.MaxBulkBodyBytes) + AnswerMemory.HeatMapGrid(model, count), $"A grid of {count} heat maps");
        }
        catch
        {
            await content.DisposeAsync();
            throw;
        }

        var inputs = await ReadModelInputAsync(content, count, model, call.CancellationToken);
        var reconstructions = AutoencoderService.ReconstructMany(model, inputs, count, call.CancellationToken);
        return TypedResults.File(call.Images.ToHeatMapGrid(inputs, reconstructions, count, model.Manifest.Image), ResponseFormat.Png);
    }

    /// <summary>
    /// Every image of the file denoised by the model, as an IDX file written a window at a time as the windows are
    /// denoised; with <paramref name="noise"/>, each image is corrupted by it first, in file order, all from one seeded
    /// generator (so the bytes do not depend on the windows).
    /// </summary>
    public static async Task<PushStreamHttpResult> DenoiseAsync(ImageCall call, OnnxAutoencoder model, AddedNoise? noise)
    {
        ResponseFormat.Require(call.Request, "an IDX file", IdxImages.MediaType);
        call.Reserve(AnswerMemory.Body(call.Request, call.Limits.MaxBulkBodyBytes) + AnswerMemory.Window(model, AutoencoderService.WindowRows), "An IDX file to denoise");
        var (content, count) = await OpenAsync(call.Request, model, call.Limits, call.CancellationToken);
        var shape = model.Manifest.Image;
        return TypedResults.Stream(
            async output =>
            {
                await using (content)
                {
                    await IdxImages.WriteAsync(output, Denoised(call, model, content, count, noise), count, shape, call.CancellationToken);
                }
            },
            IdxImages.MediaType);
    }

    private static async IAsyncEnumerable<float[]> Denoised(ImageCall call, OnnxAutoencoder model, Stream content, int count, AddedNoise? noise)
    {
        var cancellationToken = call.CancellationToken;
        var windows = IdxImages.ReadWindowsAsync(content, count, model.Manifest.Image, AutoencoderService.WindowRows, cancellationToken);
        if (noise is not null)
        {
            windows = noise.ApplyInOrder(windows, model.PixelCount);
        }

        await foreach (var (_, _, output) in call.Service.ReconstructWindowsAsync(model, windows, cancellationToken))
        {
            yield return output;
        }
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
