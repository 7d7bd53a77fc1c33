using Autoencoder.Api.Http;
using Autoencoder.Api.Endpoints;
using Autoencoder.Api.Images;
using Autoencoder.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Fuzz.Images;

/// <summary>
/// Sends one input down the API's image-to-tensor path: the decoder, then the model input with
/// preprocessing and, for an image of the model's size, without it.
/// </summary>
/// <remarks>
/// A rejection by the decoder is the right answer to bad bytes. Anything else that goes wrong
/// escapes as an exception, which SharpFuzz reports to afl-fuzz as a crash: an exception other
/// than a rejection, or a model input that is not <c>width * height</c> finite values in [0, 1].
/// </remarks>
internal sealed class ImageToTensorTarget(ImageShape shape) : IDisposable
{
    // The API's default limits: what the service refuses, the fuzzer must see refused.
    private readonly ImageDecoder decoder = new(new ImageLimits());

    public void Dispose() => decoder.Dispose();

    /// <summary>What the API made of <paramref name="bytes"/>, in words; throws if it is a finding.</summary>
    public string Run(ReadOnlyMemory<byte> bytes)
    {
        Image<Rgba32> image;
        Image<Rgba32> whole;
        try
        {
            // As the service decodes for preprocessing (a large JPEG at a reduced scale), and whole, as for
            // preprocess=none.
            var inspected = decoder.Inspect(bytes, DigitPreparation.SmallestUsefulSource(shape.Width, shape.Height));
            image = decoder.Load(inspected);
            if (image.Width * (long)image.Height > inspected.DecodedPixels)
            {
                throw new InvalidOperationException($"Decoded {image.Width}x{image.Height}, more than the {inspected.DecodedPixels} pixels reserved.");
            }

            whole = inspected.ScaleDenominator == 1 ? image : decoder.Decode(bytes);
        }
        catch (ImageRejectedException rejection)
        {
            // The status the service would answer with, from its one mapping of faults to HTTP.
            return $"rejected ({ErrorResponses.StatusFor(rejection.Fault)} {rejection.Fault}): {rejection.Message}";
        }

        using (image)
        using (whole == image ? null : whole)
        {
            // Past the decoder nothing may throw, not even a rejection: the only rejection the
            // preprocessor knows is for a raw input of the wrong size, which is never asked for here.
            RequireModelInput(DigitPreparation.ToModelInput(image, shape.Width, shape.Height), "preprocess=true");
            RequireModelInput(FitPreparation.ToModelInput(image, shape.Width, shape.Height), "fit");
            var isModelSized = whole.Width == shape.Width && whole.Height == shape.Height;
            if (isModelSized)
            {
                RequireModelInput(ExactInput.ToModelInput(whole, shape.Width, shape.Height), "preprocess=false");
            }

            return $"accepted: {image.Width}x{image.Height}, model input in range"
                + (isModelSized ? " with and without preprocessing" : " with preprocessing");
        }
    }

    private void RequireModelInput(float[] values, string mode)
    {
        var expectedLength = shape.Width * shape.Height;
        if (values.Length != expectedLength)
        {
            throw new InvalidOperationException($"With {mode} the model input has {values.Length} values, not {expectedLength}.");
        }

        for (var i = 0; i < values.Length; i++)
        {
            // Written so that NaN fails too: every comparison with NaN is false.
            if (!(values[i] >= 0f && values[i] <= 1f))
            {
                throw new InvalidOperationException($"With {mode} model input value {i} is {values[i]}, outside [0, 1].");
            }
        }
    }
}
