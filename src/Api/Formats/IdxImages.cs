using System.Runtime.CompilerServices;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Images;
using Autoencoder.Core;

namespace Autoencoder.Api.Formats;

/// <summary>
/// IDX image files (<see cref="Idx"/>) as a model's inputs and outputs: a request's file is checked against the
/// model's image size and the service's limits, its bytes become model inputs exactly as a PNG's would, and
/// outputs become an IDX file of 8-bit images.
/// </summary>
public static class IdxImages
{
    public const string MediaType = Idx.MediaType;
    public const int HeaderBytes = Idx.ImageHeaderLength;

    /// <summary>
    /// Checks an IDX header: images of the model's size, 1 to <paramref name="maxImages"/> of them. Returns the count;
    /// the pixel bytes follow, count x H x W of them.
    /// </summary>
    public static int ReadHeader(ReadOnlySpan<byte> header, ImageShape shape, int maxImages)
    {
        Idx.ImageHeader declared;
        try
        {
            declared = Idx.ReadImageHeader(header);
        }
        catch (InvalidDataException e)
        {
            throw Rejected(e);
        }

        if (declared.Rows != shape.Height || declared.Columns != shape.Width || shape.Channels != 1)
        {
            throw ClientInputException.Invalid(
                $"The IDX file holds {declared.Rows}x{declared.Columns} images; this model takes {shape.Height}x{shape.Width} grayscale images.");
        }

        if (declared.Count <= 0 || declared.Count > maxImages)
        {
            throw new ClientInputException(
                declared.Count <= 0 ? InputFault.Invalid : InputFault.TooLarge,
                $"The IDX file declares {declared.Count} images; a request may hold 1 to {maxImages}.");
        }

        return declared.Count;
    }

    /// <summary>Refuses a file whose length is not what its header declares.</summary>
    public static void RequireLength(long fileLength, int count, ImageShape shape)
    {
        try
        {
            Idx.RequireDataLength(fileLength - HeaderBytes, (long)count * shape.PixelCount);
        }
        catch (InvalidDataException e)
        {
            throw Rejected(e);
        }
    }

    /// <summary>Pixel bytes as model inputs, each byte / 255 exactly as a PNG's pixel would be.</summary>
    public static void ToModelInput(ReadOnlySpan<byte> pixels, Span<float> input)
    {
        PixelValues.ToUnit(pixels, input);
    }

    /// <summary>
    /// The <paramref name="count"/> images after a checked header, as model inputs <paramref name="windowRows"/> images
    /// at a time. The next window is read (and, for gzip, inflated) on another thread while the caller works on this
    /// one, so memory stays at two windows whatever the file's size. Each window's array is reused for the next: it is
    /// the caller's until it asks for the next window.
    /// </summary>
    public static async IAsyncEnumerable<(float[] Input, int Rows)> ReadWindowsAsync(
        Stream content, int count, ImageShape shape, int windowRows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pixels = shape.PixelCount;
        var most = Math.Min(windowRows, count);
        byte[][] buffers = [new byte[most * pixels], new byte[most * pixels]];
        var input = new float[most * pixels];
        var reading = ReadAsync(content, buffers[0], most * pixels, cancellationToken);
        for (int start = 0, window = 0; start < count; start += windowRows, window++)
        {
            var rows = Math.Min(windowRows, count - start);
            await reading;
            var next = Math.Min(windowRows, count - start - rows);
            reading = next > 0 ? ReadAsync(content, buffers[(window + 1) % 2], next * pixels, cancellationToken) : Task.CompletedTask;

            ToModelInput(buffers[window % 2].AsSpan(0, rows * pixels), input);
            yield return (input, rows);
        }

        await reading;
    }

    /// <summary>[count, C, H, W] model outputs in [0,1] as an IDX file of 8-bit images.</summary>
    public static byte[] FromModelOutput(ReadOnlySpan<float> images, int count, ImageShape shape)
    {
        var file = new byte[HeaderBytes + ((long)count * shape.PixelCount)];
        Idx.WriteImageHeader(file, count, shape.Height, shape.Width);
        PixelValues.ToBytes(images, file.AsSpan(HeaderBytes));
        return file;
    }

    /// <summary>
    /// The IDX file <see cref="FromModelOutput"/> makes of the same <paramref name="count"/> images, written to
    /// <paramref name="output"/> as the images arrive, in pieces of any whole number of images.
    /// </summary>
    public static async Task WriteAsync(Stream output, IAsyncEnumerable<float[]> pieces, int count, ImageShape shape, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderBytes];
        Idx.WriteImageHeader(header, count, shape.Height, shape.Width);
        await output.WriteAsync(header, cancellationToken);
        byte[] bytes = [];
        long images = 0;
        await foreach (var piece in pieces.WithCancellation(cancellationToken))
        {
            if (bytes.Length < piece.Length)
            {
                bytes = new byte[piece.Length];
            }

            PixelValues.ToBytes(piece, bytes.AsSpan(0, piece.Length));
            await output.WriteAsync(bytes.AsMemory(0, piece.Length), cancellationToken);
            images += piece.Length / shape.PixelCount;
        }

        if (images != count)
        {
            throw new InvalidOperationException($"The IDX file was to hold {count} images, not {images}.");
        }
    }

    /// <summary>Fills <paramref name="buffer"/> on another thread: gzip inflates synchronously, and it is the slow part.</summary>
    private static Task ReadAsync(Stream content, byte[] buffer, int length, CancellationToken cancellationToken) =>
        Task.Run(() => content.ReadExactly(buffer, 0, length), cancellationToken);

    private static ClientInputException Rejected(InvalidDataException e) => ClientInputException.Invalid($"Not a valid IDX image file: {e.Message}.");
}
