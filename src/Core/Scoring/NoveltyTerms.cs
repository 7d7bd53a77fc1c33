namespace Autoencoder.Core;

/// <summary>
/// The measures of how unlike a model's normal images an image is, each larger for a stranger image: computed here
/// alone, so the trainer's calibration, its reports and the API give the same numbers for the same image.
/// </summary>
public sealed class NoveltyTerms
{
    /// <summary>Mean squared error per pixel between the image and its reconstruction, [0,1] units.</summary>
    public const string MeanSquaredError = "mse";

    /// <summary>1 − SSIM of the image and its reconstruction (of a colour image: SSIM of each channel, averaged): structure lost, not brightness.</summary>
    public const string Structural = "structural";

    /// <summary>
    /// The largest mean squared error in any <see cref="LocalWindow"/> x <see cref="LocalWindow"/> window: a few
    /// strongly wrong pixels in one place count fully instead of being averaged over the whole image.
    /// </summary>
    public const string Local = "local";

    /// <summary>The code's negative log-density under the model's prior (nats): a code far from the normal images' codes.</summary>
    public const string Prior = "prior";

    /// <summary>
    /// The negative log-density (nats) of the code and the logs of the reconstruction errors together, under the
    /// scorer's <see cref="JointDensity"/>: errors unusual for codes like this one.
    /// </summary>
    public const string Joint = "joint";

    /// <summary>Side of the square window of <see cref="Local"/> (less for a smaller image).</summary>
    public const int LocalWindow = 7;

    /// <summary>The terms of every model with a prior; <see cref="Joint"/> also needs a scorer that records its density.</summary>
    public static IReadOnlyList<string> Names { get; } = [MeanSquaredError, Structural, Local, Prior];

    /// <summary>Every term there is: <see cref="Names"/> and <see cref="Joint"/>.</summary>
    public static IReadOnlyList<string> AllNames { get; } = [.. Names, Joint];

    private readonly ImageShape image;
    private readonly LatentDensity? density;
    private readonly JointDensity? joint;
    private readonly LatentDensity? jointDensity;

    /// <summary>
    /// The terms for images of <paramref name="image"/>'s shape and codes under <paramref name="prior"/> (none: no prior
    /// term) and <paramref name="joint"/> (none: no joint term).
    /// </summary>
    public NoveltyTerms(ImageShape image, LatentPrior? prior, JointDensity? joint = null)
    {
        this.image = image ?? throw new ArgumentNullException(nameof(image));
        density = prior is null ? null : new LatentDensity(prior);
        if (joint is not null)
        {
            if (joint.Problem(latentSize: null) is { } problem)
            {
                throw new ArgumentException(problem, nameof(joint));
            }

            this.joint = joint;
            jointDensity = new LatentDensity(joint.Mixture);
        }
    }

    /// <summary>The terms these images and this model allow: SSIM needs room for its window, the prior term a prior, the joint term its density.</summary>
    public IReadOnlyList<string> Available => [.. AllNames.Where(name => Problem(name) is null)];

    /// <summary>Why <paramref name="term"/> cannot be computed for this model, or null when it can.</summary>
    public string? Problem(string term) => term switch
    {
        MeanSquaredError or Local => null,
        Structural when image.Height < StructuralSimilarity.WindowSize || image.Width < StructuralSimilarity.WindowSize =>
            $"'{Structural}' needs images of at least {StructuralSimilarity.WindowSize}x{StructuralSimilarity.WindowSize}, not {image.Height}x{image.Width}",
        Structural => null,
        Prior when density is null => $"'{Prior}' needs the model's prior (model.json's prior)",
        Prior => null,
        Joint when jointDensity is null => $"'{Joint}' needs the scorer's joint density (model.json's scorer.joint)",
        Joint => joint!.Errors.Select(error => Problem(error.Name)).FirstOrDefault(problem => problem is not null),
        _ => $"'{term}' is no score term; the terms are {string.Join(", ", AllNames)}",
    };

    /// <summary>
    /// The value of <paramref name="term"/> for one image (pixels row-major, [0,1]), its reconstruction and its code.
    /// </summary>
    public double Compute(string term, ReadOnlySpan<float> original, ReadOnlySpan<float> reconstruction, ReadOnlySpan<float> code)
    {
        if (original.Length != image.PixelCount || reconstruction.Length != image.PixelCount)
        {
            throw new ArgumentException($"images of {original.Length} and {reconstruction.Length} pixels, not {image.PixelCount}");
        }

        if (Problem(term) is { } problem)
        {
            throw new ArgumentException(problem, nameof(term));
        }

        return term switch
        {
            MeanSquaredError => PixelValues.MeanSquaredError(original, reconstruction),
            Structural => 1 - StructuralSimilarity.MeanOverChannels(original, reconstruction, image.Channels, image.Height, image.Width),
            Local => LocalError(original, reconstruction, image),
            Prior => -density!.LogDensity(code),
            _ => -JointLogDensity(original, reconstruction, code),
        };
    }

    /// <summary>
    /// What <see cref="Joint"/>'s density is over, for one image: the code's numbers, then each of the joint density's
    /// errors standardised (<see cref="ErrorFeature.Standardise"/>), into <paramref name="features"/>. The trainer fits
    /// the density to these same numbers.
    /// </summary>
    public static void JointFeatures(
        IReadOnlyList<ErrorFeature> errors, ReadOnlySpan<double> errorValues, ReadOnlySpan<float> code, Span<float> features)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errorValues.Length != errors.Count || features.Length != code.Length + errors.Count)
        {
            throw new ArgumentException($"{errorValues.Length} error values and room for {features.Length} numbers, not {errors.Count} errors after a code of {code.Length}");
        }

        code.CopyTo(features);
        for (var index = 0; index < errors.Count; index++)
        {
            features[code.Length + index] = (float)errors[index].Standardise(errorValues[index]);
        }
    }

    private double JointLogDensity(ReadOnlySpan<float> original, ReadOnlySpan<float> reconstruction, ReadOnlySpan<float> code)
    {
        var errors = joint!.Errors;
        Span<double> values = stackalloc double[errors.Count];
        for (var index = 0; index < errors.Count; index++)
        {
            values[index] = Compute(errors[index].Name, original, reconstruction, code);
        }

        var size = code.Length + errors.Count;
        Span<float> features = size <= 256 ? stackalloc float[size] : new float[size];
        JointFeatures(errors, values, code, features);
        return jointDensity!.LogDensity(features);
    }

    /// <summary>
    /// The largest mean over a window of the squared error (channels summed within a pixel's window), found with a
    /// summed-area table in one pass.
    /// </summary>
    public static double LocalError(ReadOnlySpan<float> original, ReadOnlySpan<float> reconstruction, ImageShape image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (height, width) = (image.Height, image.Width);
        var windowHeight = Math.Min(LocalWindow, height);
        var windowWidth = Math.Min(LocalWindow, width);
        var table = new double[(height + 1) * (width + 1)];
        var plane = height * width;
        for (var y = 0; y < height; y++)
        {
            var rowSum = 0.0;
            for (var x = 0; x < width; x++)
            {
                for (var channel = 0; channel < image.Channels; channel++)
                {
                    var index = (channel * plane) + (y * width) + x;
                    double difference = original[index] - reconstruction[index];
                    rowSum += difference * difference;
                }

                table[((y + 1) * (width + 1)) + x + 1] = table[(y * (width + 1)) + x + 1] + rowSum;
            }
        }

        var largest = 0.0;
        for (var y = windowHeight; y <= height; y++)
        {
            for (var x = windowWidth; x <= width; x++)
            {
                var sum = table[(y * (width + 1)) + x] - table[((y - windowHeight) * (width + 1)) + x]
                    - table[(y * (width + 1)) + x - windowWidth] + table[((y - windowHeight) * (width + 1)) + x - windowWidth];
                largest = Math.Max(largest, sum);
            }
        }

        return largest / (windowHeight * windowWidth * image.Channels);
    }
}
