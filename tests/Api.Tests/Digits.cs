using Autoencoder.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Autoencoder.Api.Tests;

/// <summary>Real MNIST digits as the files people upload.</summary>
public static class Digits
{
    /// <summary>The t10k digit as an 8-bit grayscale 28x28 PNG, white ink on black: exactly MNIST.</summary>
    public static byte[] Png(int index)
    {
        using var image = Image.LoadPixelData<L8>(TestData.TestDigit(index), 28, 28);
        return Encode(image);
    }

    /// <summary>The t10k digit as a person might photograph or draw it: larger, RGB, dark ink on white paper.</summary>
    public static byte[] UpscaledInvertedPng(int index, int scale)
    {
        using var image = Image.LoadPixelData<L8>(TestData.TestDigit(index), 28, 28).CloneAs<Rgb24>();
        image.Mutate(context => context.Resize(28 * scale, 28 * scale, KnownResamplers.Bicubic).Invert());
        return Encode(image);
    }

    /// <summary>Model input floats for the digit, as the API computes them for an MNIST-format PNG.</summary>
    public static float[] ModelInput(int index) => PixelValues.ToUnit(TestData.TestDigit(index));

    /// <summary>The gray bytes of a PNG response.</summary>
    public static (int Width, int Height, byte[] Pixels) Decode(byte[] png)
    {
        using var image = Image.Load<L8>(png);
        var pixels = new byte[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        return (image.Width, image.Height, pixels);
    }

    private static byte[] Encode(Image image)
    {
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }
}
