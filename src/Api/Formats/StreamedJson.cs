using System.Text.Json;
using Autoencoder.Core;

namespace Autoencoder.Api.Formats;

/// <summary>
/// JSON answers of many images written as their images are made, a piece at a time and flushed after each: the same
/// text the serializer would give the whole answer (the web defaults' camelCase names, the same number format), without
/// ever holding it whole.
/// </summary>
public static class StreamedJson
{
    /// <summary>
    /// /generate's answer: {"model", "seed", "temperature", "count", "latents": [[...], ...], "images": ["base64 PNG", ...]}.
    /// The codes are written from <paramref name="latents"/>, then the images from <paramref name="images"/>: two passes
    /// over the same seeded draws, so neither is kept for the other.
    /// </summary>
    public static async Task WriteGeneratedAsync(
        Stream output,
        string model,
        int seed,
        double temperature,
        int count,
        int latentSize,
        IEnumerable<float[]> latents,
        IAsyncEnumerable<float[]> images,
        Func<float[], int, byte[]> toPng,
        int pixelsPerImage,
        CancellationToken cancellationToken)
    {
        await using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteString("model", model);
        json.WriteNumber("seed", seed);
        json.WriteNumber("temperature", temperature);
        json.WriteNumber("count", count);
        json.WriteStartArray("latents");
        foreach (var piece in latents)
        {
            WriteRows(json, piece, latentSize);
            await json.FlushAsync(cancellationToken);
        }

        json.WriteEndArray();
        json.WriteStartArray("images");
        await foreach (var piece in images.WithCancellation(cancellationToken))
        {
            for (var start = 0; start < piece.Length; start += pixelsPerImage)
            {
                json.WriteBase64StringValue(toPng(piece, start));
            }

            await json.FlushAsync(cancellationToken);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>/decode's answer for many latents: {"model", "count", "width", "height", "channels", "images": [[C x H x W values], ...]}.</summary>
    public static async Task WriteDecodedAsync(
        Stream output, string model, int count, ImageShape shape, IAsyncEnumerable<float[]> images, CancellationToken cancellationToken)
    {
        await using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteString("model", model);
        json.WriteNumber("count", count);
        json.WriteNumber("width", shape.Width);
        json.WriteNumber("height", shape.Height);
        json.WriteNumber("channels", shape.Channels);
        json.WriteStartArray("images");
        await foreach (var piece in images.WithCancellation(cancellationToken))
        {
            WriteRows(json, piece, shape.PixelCount);
            await json.FlushAsync(cancellationToken);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteRows(Utf8JsonWriter json, float[] values, int rowLength)
    {
        for (var start = 0; start < values.Length; start += rowLength)
        {
            json.WriteStartArray();
            foreach (var value in values.AsSpan(start, rowLength))
            {
                json.WriteNumberValue(value);
            }

            json.WriteEndArray();
        }
    }
}
