using System.Globalization;
using Autoencoder.Core;
using Autoencoder.Training.Data;

namespace Autoencoder.Training.Novelty;

/// <summary>A term that counts in a scorer, and its weight on the normalised term.</summary>
internal sealed record CountedTerm(string Name, double Weight = 1)
{
    /// <summary>"prior", or "prior:2" for a weight other than 1.</summary>
    public override string ToString() => Weight == 1 ? Name : string.Create(CultureInfo.InvariantCulture, $"{Name}:{Weight}");
}

/// <summary>
/// The trainer's choice of novelty score, calibrated on held-out normal images: every term the model allows is
/// recorded with its normalisation, weighted as <see cref="Weight"/> says (a weight of 0 keeps a term in the answer
/// without counting it).
/// </summary>
internal static class NoveltyCalibration
{
    public const string Split = "validation";

    /// <summary>
    /// The terms that count by default, each normalised and weighted 1; the others are reported beside them with weight
    /// 0. Chosen among the combinations novelty-report compares (docs/novelty.md has the figures behind the choice).
    /// </summary>
    public static IReadOnlyList<CountedTerm> DefaultTerms { get; } = [new(NoveltyTerms.Local), new(NoveltyTerms.Prior)];

    /// <summary>
    /// The terms named in <paramref name="list"/> (comma-separated, each weighted 1 or as NAME:WEIGHT says), or the
    /// reason they cannot count: an unknown name, a weight that is not a positive number, or no term at all.
    /// </summary>
    public static (IReadOnlyList<CountedTerm>? Terms, string? Problem) ParseTerms(string list)
    {
        var entries = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (entries.Length == 0)
        {
            return (null, $"name at least one of {string.Join(", ", NoveltyTerms.AllNames)}");
        }

        var terms = new List<CountedTerm>();
        foreach (var entry in entries)
        {
            var parts = entry.Split(':', 2, StringSplitOptions.TrimEntries);
            if (!NoveltyTerms.AllNames.Contains(parts[0]))
            {
                return (null, $"'{parts[0]}' is not a term; the terms are {string.Join(", ", NoveltyTerms.AllNames)}");
            }

            var weight = 1.0;
            if (parts.Length == 2 && !(double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out weight) && weight > 0 && double.IsFinite(weight)))
            {
                return (null, $"'{entry}': a term's weight must be a positive number, as in prior:2");
            }

            if (terms.All(term => term.Name != parts[0]))
            {
                terms.Add(new CountedTerm(parts[0], weight));
            }
        }

        return (terms, null);
    }

    /// <summary>
    /// The scorer for a model of <paramref name="image"/> with <paramref name="prior"/>, calibrated on
    /// <paramref name="count"/> held-out images ([0,1] pixels), their reconstructions and their codes, all row-major:
    /// with the terms, weights and joint density of <paramref name="previous"/> when given (a model whose prior changed),
    /// else every term the model and <paramref name="joint"/> allow, those of <paramref name="counted"/> (default
    /// <see cref="DefaultTerms"/>) with their weights, the others 0. Throws <see cref="ArgumentException"/> when a counted term is one this
    /// model cannot compute.
    /// </summary>
    public static ScorerCalibration Calibrate(
        ImageShape image,
        LatentPrior? prior,
        float[] pixels,
        float[] reconstructions,
        float[] codes,
        int count,
        ScorerCalibration? previous = null,
        IReadOnlyList<CountedTerm>? counted = null,
        JointDensity? joint = null)
    {
        joint = previous is null ? joint : previous.Joint;
        var terms = new NoveltyTerms(image, prior, joint);
        if (counted?.FirstOrDefault(term => terms.Problem(term.Name) is not null)?.Name is { } impossible)
        {
            throw new ArgumentException($"the novelty term '{impossible}' cannot count for this model: {terms.Problem(impossible)}", nameof(counted));
        }

        var chosen = counted ?? DefaultTerms;
        (string Name, double Weight)[] weights = previous is null
            ? [.. terms.Available.Select(name => (name, chosen.FirstOrDefault(term => term.Name == name)?.Weight ?? 0.0))]
            : [.. previous.Terms.Select(term => (term.Name, term.Weight))];
        var values = NoveltyScorer.ComputeTerms(terms, [.. weights.Select(term => term.Name)], pixels, reconstructions, codes, count);
        return NoveltyScorer.Calibrate(Split, weights, values) with { Joint = joint };
    }

    /// <summary>
    /// The validation images a model was calibrated on, found again in its data set from what model.json records (its
    /// classes, its training and validation counts, its seed), or null when they cannot be: a different data set.
    /// </summary>
    public static LabelledImages? ValidationImages(ImageDataset dataset, ModelManifest manifest)
    {
        var info = manifest.Dataset;
        var data = info.Classes is { } classes && dataset.SelectedClasses is null ? dataset.OnlyClasses(classes) : dataset;
        var total = info.TrainImages + info.ValidationImages;
        if (data.Train.Count < total || info.ValidationImages == 0)
        {
            return null;
        }

        var (_, validation) = data.Train.Take(total).Split(info.ValidationImages / (double)total, manifest.Training.Seed);
        return validation.Count == info.ValidationImages ? validation : null;
    }
}
