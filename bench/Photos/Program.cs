using System.Diagnostics;
using System.Globalization;
using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Autoencoder.Api.Metrics;
using Autoencoder.Bench.Photos;
using Autoencoder.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Transforms;

// Photos through the API's image path, in-process, with the bundled model:
//   photo-bench phone MODEL_DIR T10K_IMAGES_GZ OUT_DIR   time a phone photo's decode and preprocessing, before and after
//                                                       the reduced-size JPEG decoding, and write the photos to OUT_DIR
//   photo-bench digits MODEL_DIR T10K_IMAGES_GZ COUNT    mean MSE of reconstructions of photographed digits against the
//                                                       digits, for each preprocessing choice, beside the model's own
//   photo-bench sweep MODEL_DIR T10K_IMAGES_GZ [FIRST:]COUNT
//                                                       the same along each axis of the digit generator (scale, stroke,
//                                                       blur, tint, placement, JPEG quality, alpha, a plain white-on-black
//                                                       enlargement), mean and worst case, for COUNT digits from FIRST
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args is not [var command, var modelDirectory, var idxGz, var last])
{
    Console.Error.WriteLine("Usage: photo-bench phone MODEL_DIR T10K_IMAGES_GZ OUT_DIR | photo-bench digits MODEL_DIR T10K_IMAGES_GZ COUNT");
    return 2;
}

var selector = new ExecutionProviderSelector(Options.Create(new InferenceOptions { Device = DeviceKind.Cpu }), NullLogger<ExecutionProviderSelector>.Instance);
using var model = OnnxAutoencoder.Load(
    "mnist", modelDirectory, selector, DeviceKind.Cpu, new BatchingOptions { Enabled = false }, new ApiMetrics(),
    new InferenceStatistics(new ModelRegistry(Options.Create(new ModelsOptions())), TimeProvider.System), NullLogger.Instance);
using var decoder = new ImageDecoder(new ImageLimits());
using var budget = new DecodeBudget(long.MaxValue);
var images = new ImageTensors(decoder, budget);
var shape = model.Manifest.Image;
var digits = DigitPhotos.Read(idxGz);

return command switch
{
    "phone" => Phone(last),
    "digits" => Digits(int.Parse(last, CultureInfo.InvariantCulture)),
    "sweep" => last.Split(':') is [var first, var count] ? Sweep(int.Parse(count, CultureInfo.InvariantCulture), int.Parse(first, CultureInfo.InvariantCulture)) : Sweep(int.Parse(last, CultureInfo.InvariantCulture)),
    _ => 2,
};

int Phone(string outputDirectory)
{
    Directory.CreateDirectory(outputDirectory);
    var imageSharp = new Configuration(new JpegConfigurationModule());
    imageSharp.ImageFormatsManager.SetDecoder(JpegFormat.Instance, new JpegDecoder { IgnoreMetadata = true });
    const int Digit = 0;
    foreach (var (name, sideways) in new[] { ("phone-photo.jpg", false), ("phone-photo-portrait.jpg", true) })
    {
        var photo = digits.PhonePhoto(Digit, sideways);
        File.WriteAllBytes(Path.Combine(outputDirectory, name), photo);
        Console.WriteLine($"{name}: {Image.Identify(photo).Width}x{Image.Identify(photo).Height}, {photo.Length / 1e6:F2} MB, EXIF orientation {(sideways ? 6 : 1)}");

        // Before: ImageSharp decodes all twelve million pixels (and cannot see the orientation).
        Time("  whole image, ImageSharp 2.1 (before)", () =>
        {
            using var image = Image.Load<Rgba32>(imageSharp, photo);
            return DigitPreparation.ToModelInput(image, shape.Width, shape.Height);
        });

        // Whole image through Skia: what the scale alone saves.
        Time("  whole image, Skia", () =>
        {
            using var image = decoder.Decode(photo);
            return DigitPreparation.ToModelInput(image, shape.Width, shape.Height);
        });

        // After: what the service does.
        var inspected = decoder.Inspect(photo, DigitPreparation.SmallestUsefulSource(shape.Width, shape.Height));
        Time($"  1/{inspected.ScaleDenominator} scale, Skia (the service)", () =>
            images.ToModelInputAsync(photo, shape, Autoencoder.Core.ImageHandling.MnistDigit, CancellationToken.None).AsTask().GetAwaiter().GetResult());
    }

    return 0;

    void Time(string label, Func<float[]> decodeAndPreprocess)
    {
        var input = decodeAndPreprocess();
        for (var i = 0; i < 2; i++)
        {
            decodeAndPreprocess();
        }

        var milliseconds = new List<double>();
        for (var i = 0; i < 9; i++)
        {
            var clock = Stopwatch.StartNew();
            decodeAndPreprocess();
            milliseconds.Add(clock.Elapsed.TotalMilliseconds);
        }

        milliseconds.Sort();
        var error = Reconstruction(input, digits.Digit(Digit));
        Console.WriteLine($"{label,-40} decode + preprocess {milliseconds[0],6:F1} / {milliseconds[4],6:F1} / {milliseconds[^1],6:F1} ms (min / median / max of 9), reconstruction MSE {error:F4}");
    }
}

int Digits(int count)
{
    var sources = new (string Kind, Func<int, byte[]> Make)[] { ("JPEG on paper", digits.OnPaperJpeg), ("transparent PNG", digits.OnTransparentPng) };
    var uploads = sources.Select(source => (source.Kind, Files: Enumerable.Range(0, count).Select(source.Make).ToArray())).ToArray();
    var ownError = Enumerable.Range(0, count).Average(i => Reconstruction(PixelValues.ToUnit(digits.Digit(i)), digits.Digit(i)));
    Console.WriteLine($"the model on the {count} digits as they are: mean MSE {ownError:F4}");

    var measured = DigitPreparation.Choices.Measured;
    var resamplers = new (string Name, IResampler Resampler)[]
    {
        ("bilinear", KnownResamplers.Triangle), ("Lanczos-3", KnownResamplers.Lanczos3), ("box", KnownResamplers.Box),
    };
    var candidates = new List<(string Name, DigitPreparation.Choices Choices)> { ("the service's choices", measured) };
    foreach (var threshold in new[] { 0, 5, 13, 25 })
    {
        foreach (var (name, resampler) in resamplers)
        {
            foreach (var stretch in new[] { false, true })
            {
                candidates.Add(($"ink > {threshold,2}, shrink {name,-9}, {(stretch ? "ink stretched" : "as leveled")}", measured with { InkThreshold = threshold, Shrink = resampler, StretchInkToFull = stretch }));
            }
        }
    }

    Console.WriteLine($"{"choices",-52} {string.Join("  ", uploads.Select(upload => $"{upload.Kind,22}"))}  (mean MSE, and x the model's own)");
    foreach (var (name, choices) in candidates)
    {
        var errors = uploads.Select(upload => Enumerable.Range(0, count).Average(i =>
        {
            using var image = decoder.Load(decoder.Inspect(upload.Files[i], DigitPreparation.SmallestUsefulSource(shape.Width, shape.Height)));
            return Reconstruction(DigitPreparation.ToModelInput(image, shape.Width, shape.Height, choices), digits.Digit(i));
        }));
        Console.WriteLine($"{name,-52} {string.Join("  ", errors.Select(error => $"{error,13:F4} ({error / ownError,4:F2}x)"))}");
    }

    return 0;
}

int Sweep(int count, int first = 0)
{
    var indices = Enumerable.Range(first, count).ToArray();
    var ownErrors = indices.Select(i => Reconstruction(PixelValues.ToUnit(digits.Digit(i)), digits.Digit(i))).ToArray();
    Console.WriteLine($"the model on t10k digits {first}-{first + count - 1} as they are: mean MSE {ownErrors.Average():F4}");
    var typical = DigitStyle.Typical;
    var alphaInk = new Rgb24(20, 20, 20);
    List<int> scales = [2, 4, 6, 10, 20], strokes = [-4, -2, 0, 3, 6, 10], qualities = [95, 90, 75, 50, 25];
    List<float> blurs = [0f, 3f, 6f, 10f];
    List<string> resamplers = ["nearest", "bilinear", "bicubic", "lanczos"];
    var axes = new (string Axis, (string Value, Func<int, DigitStyle> Style)[] Values)[]
    {
        ("the typical set (half JPEG, half alpha PNG)", [("", i => i % 2 == 0 ? typical : typical with { Alpha = true, Ink = alphaInk })]),
        ("plain enlargement (white on black, gray PNG)", [("", _ => DigitStyle.PlainEnlargement)]),
        ("thin pen (stroke -2, half JPEG, half alpha PNG)", [("", i => i % 2 == 0 ? typical with { Stroke = -2 } : typical with { Stroke = -2, Alpha = true, Ink = alphaInk })]),
        ("scale", [.. scales.Select(scale => ($"{scale}x", (Func<int, DigitStyle>)(_ => typical with { Scale = scale, PageWidth = Math.Max(400, (28 * scale) + 40), PageHeight = Math.Max(360, (28 * scale) + 40) })))]),
        ("stroke (px of the 10x digit)", [.. strokes.Select(stroke => ($"{stroke:+0;-0;0}", (Func<int, DigitStyle>)(_ => typical with { Stroke = stroke })))]),
        ("blur (sigma, px of the 10x digit)", [.. blurs.Select(blur => ($"{blur}", (Func<int, DigitStyle>)(_ => typical with { Blur = blur })))]),
        ("paper", [("white", _ => typical with { Paper = new Rgb24(255, 255, 255) }), ("slight tint", _ => typical), ("cream", _ => typical with { Paper = new Rgb24(240, 225, 190) }), ("gray 170", _ => typical with { Paper = new Rgb24(170, 170, 170) }), ("blue ink", _ => typical with { Ink = new Rgb24(30, 40, 120) })]),
        ("placement", [.. Enum.GetValues<DigitPlacement>().Select(placement => (placement.ToString(), (Func<int, DigitStyle>)(_ => typical with { Placement = placement })))]),
        ("JPEG quality", [.. qualities.Select(quality => ($"{quality}", (Func<int, DigitStyle>)(_ => typical with { JpegQuality = quality })))]),
        ("alpha PNG", [("ink (20,20,20)", _ => typical with { Alpha = true, Ink = alphaInk }), ("black ink", _ => typical with { Alpha = true, Ink = new Rgb24(0, 0, 0) }), ("gray ink 100", _ => typical with { Alpha = true, Ink = new Rgb24(100, 100, 100) })]),
        ("enlarged with", [.. resamplers.Select(name => (name, (Func<int, DigitStyle>)(_ => typical with { Enlarge = name })))]),
    };
    var after = DigitPreparation.Choices.Measured;
    var candidates = new (string Name, DigitPreparation.Choices Choices)[]
    {
        ("before", DigitPreparation.Choices.Before),
        ("after", after),
        ("after, centre after scaling", after with { CentreBeforeScaling = false }),
        ("after, not saturated", after with { SaturatedInkFraction = 0 }),
        ("after, 20% saturated", after with { SaturatedInkFraction = 0.2 }),
    };
    Console.WriteLine($"{"axis",-44} {"value",-16} {string.Join(" ", candidates.Select(c => $"{c.Name + ": mean x own, input MSE, worst (digit: MSE, x its own)",-58}"))}");
    foreach (var (axis, values) in axes)
    {
        foreach (var (value, style) in values)
        {
            var uploads = indices.Select(i => PhotographedDigits.Render(digits.Digit(i), style(i), i)).ToArray();
            var cells = candidates.Select(candidate =>
            {
                var results = Enumerable.Range(0, count).Select(i =>
                {
                    using var image = decoder.Load(decoder.Inspect(uploads[i], DigitPreparation.SmallestUsefulSource(shape.Width, shape.Height)));
                    var input = DigitPreparation.ToModelInput(image, shape.Width, shape.Height, candidate.Choices);
                    var digit = digits.Digit(indices[i]);
                    return (Error: Reconstruction(input, digit), Input: PixelValues.MeanSquaredError(PixelValues.ToUnit(digit), input));
                }).ToArray();
                var worst = Enumerable.Range(0, count).MaxBy(i => results[i].Error - ownErrors[i]);
                return $"{results.Average(r => r.Error) / ownErrors.Average(),5:F2}x {results.Average(r => r.Input),7:F4}   #{indices[worst],-4} {results[worst].Error:F4} {results[worst].Error / ownErrors[worst],5:F1}x";
            });
            Console.WriteLine($"{axis,-44} {value,-16} {string.Join(" ", cells.Select(cell => $"{cell,-58}"))}");
        }
    }

    return 0;
}

double Reconstruction(float[] input, byte[] digit)
{
    var output = model.Decode(model.Encode(input, 1), 1);
    return PixelValues.MeanSquaredError(PixelValues.ToUnit(digit), output);
}
