using System.Runtime.CompilerServices;
using Autoencoder.Api.Errors;
using Autoencoder.Core;

namespace Autoencoder.Api.Formats;

/// <summary>
/// .npy arrays (<see cref="Npy"/>) of images as a model's inputs and outputs: [N, C, H, W] float32 (or float64 in) in
/// [0,1], the model's own tensor layout, so any model's images fit, colour ones included.
/// </summary>
public static class NpyImages
{
    /// <summary>
    /// The images of a whole .npy file, checked against the model's image shape and the limits: [count, C, H, W] values,
    /// as float32, and the count.
    /// </summary>
    public static (float[] Values, int Count) Read(ReadOnlySpan<byte> file, ImageShape shape, int maxImages)
    {
        var wanted = $"a 4-D 'shape' (N, {shape.Channels}, {shape.Height}, {shape.Width}): N images of {shape.Channels} channel(s), {shape.Height} high and {shape.Width} wide";
        var header = Npy.ReadHeader(file, wanted);
        var dimensions = header.Shape;
        if (dimensions.Length != 4 || dimensions[1] != shape.Channels || dimensions[2] != shape.Height || dimensions[3] != shape.Width)
        {
            throw ClientInputException.Invalid($"The .npy array has shape ({string.Join(", ", dimensions)}); this model takes {wanted}.");
        }

        var count = dimensions[0];
        if (count <= 0 || count > maxImages)
        {
            throw new ClientInputException(
                count <= 0 ? InputFault.Invalid : InputFault.TooLarge,
                $"The .npy array holds {count} images; a request may hold 1 to {maxImages}.");
        }

        var data = file[header.DataStart..];
        var expected = (long)count * shape.PixelCount * header.ValueBytes;
        if (data.Length != expected)
        {
            throw ClientInputException.Invalid($"The .npy header says {count} images of {shape.PixelCount} {header.ValueBytes}-byte numbers ({expected} bytes), but {data.Length} follow.");
        }

        var values = new float[count * shape.PixelCount];
        Npy.ReadValues(data, header.ValueBytes, values);
        return (values, count);
    }

    /// <summary>
    /// <paramref name="count"/> images of <paramref name="values"/> a window of <paramref name="windowRows"/> at a
    /// time, each copied into one array reused for the next window (the caller may change it, as noise does).
    /// </summary>
    public static async IAsyncEnumerable<(float[] Input, int Rows)> Windows(
        float[] values, int count, ImageShape shape, int windowRows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pixels = shape.PixelCount;
        var input = new float[Math.Min(windowRows, count) * pixels];
        for (var start = 0; start < count; start += windowRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(windowRows, count - start);
            values.AsSpan(start * pixels, rows * pixels).CopyTo(input);
            yield return (input, rows);
        }

        await Task.CompletedTask;
    }

    /// <summary>
    /// [count, C, H, W] model outputs as a .npy float32 array, written to <paramref name="output"/> as the images
    /// arrive, in pieces of any whole number of images.
    /// </summary>
    public static async Task WriteAsync(Stream output, IAsyncEnumerable<float[]> pieces, int count, ImageShape shape, CancellationToken cancellationToken)
    {
        await output.WriteAsync(Npy.Header([count, shape.Channels, shape.Height, shape.Width]), cancellationToken);
        byte[] bytes = [];
        long images = 0;
        await foreach (var piece in pieces.WithCancellation(cancellationToken))
        {
            var length = piece.Length * sizeof(float);
            if (bytes.Length < length)
            {
                bytes = new byte[length];
            }

            Npy.WriteValues(piece, bytes);
            await output.WriteAsync(bytes.AsMemory(0, length), cancellationToken);
            images += piece.Length / shape.PixelCount;
        }

        if (images != count)
        {
            throw new InvalidOperationException($"The .npy array was to hold {count} images, not {images}.");
        }
    }
}
