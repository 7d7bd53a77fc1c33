namespace Autoencoder.Core;

/// <summary>
/// model.json's <c>scorer.joint</c>: a Gaussian mixture over an image's code and the logs of its reconstruction errors,
/// fitted to the normal training images, as DAGMM (Zong et al., 2018) fits one to a code and its reconstruction's
/// features. An image whose code is common and whose errors are common, but not together (a shirt's code with a
/// T-shirt's error), is rare here and in neither density alone.
/// </summary>
/// <param name="Errors">The errors after the code, in order, each standardised as <see cref="ErrorFeature"/> says.</param>
/// <param name="Mixture">The mixture over the code's numbers followed by the standardised errors.</param>
public sealed record JointDensity(IReadOnlyList<ErrorFeature> Errors, LatentPrior Mixture)
{
    /// <summary>The errors a joint density may hold: those of an image and its reconstruction, not the code's density.</summary>
    public static IReadOnlyList<string> ErrorNames { get; } = [NoveltyTerms.MeanSquaredError, NoveltyTerms.Structural, NoveltyTerms.Local];

    /// <summary>What is wrong with it for codes of <paramref name="latentSize"/> numbers (null: not known here), or null.</summary>
    public string? Problem(int? latentSize)
    {
        if (Errors is not { Count: > 0 })
        {
            return "scorer.joint.errors must hold at least one error";
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var index = 0; index < Errors.Count; index++)
        {
            var error = Errors[index];
            var where = $"scorer.joint.errors[{index}]";
            if (error is null || !ErrorNames.Contains(error.Name))
            {
                return $"{where}: the errors are {string.Join(", ", ErrorNames)}";
            }

            if (!names.Add(error.Name))
            {
                return $"{where}: '{error.Name}' is listed twice";
            }

            if (!double.IsFinite(error.Median) || !(error.Spread > 0) || !double.IsFinite(error.Spread))
            {
                return $"{where}: median must be finite and spread a finite number > 0";
            }
        }

        if (Mixture?.Components is not { Count: > 0 } components || components[0]?.Mean is null)
        {
            return "scorer.joint.mixture must hold at least one component";
        }

        var dimensions = Mixture.LatentSize;
        if (latentSize is { } size && dimensions != size + Errors.Count)
        {
            return $"scorer.joint.mixture must be over {size + Errors.Count} numbers (the code's {size} and {Errors.Count} error(s)), not {dimensions}";
        }

        return Mixture.Problem(dimensions) is { } problem ? $"scorer.joint: {problem}" : null;
    }
}

/// <summary>
/// One error of a <see cref="JointDensity"/>: its name (a <see cref="NoveltyTerms"/> term) and the median and interquartile
/// range of its log on the training images, so that every error is on the code's scale of a few units.
/// </summary>
public sealed record ErrorFeature(string Name, double Median, double Spread)
{
    /// <summary>The smallest error whose log is taken: a perfect reconstruction gives a finite feature.</summary>
    public const double Floor = 1e-12;

    /// <summary>log of the error, floored at <see cref="Floor"/>: what the median and spread are of.</summary>
    public static double Log(double error) => Math.Log(Math.Max(error, Floor));

    /// <summary>(log error − median) / spread.</summary>
    public double Standardise(double error) => (Log(error) - Median) / Spread;
}
