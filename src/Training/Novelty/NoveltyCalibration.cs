using Autoencoder.Core;
using Autoencoder.Training.Data;

namespace Autoencoder.Training.Novelty;

/// <summary>
/// The trainer's choice of novelty score, calibrated on held-out normal images: every term the model allows is
/// recorded with its normalisation, weighted as <see cref="Weight"/> says (a weight of 0 keeps a term in the answer
/// without counting it).
/// </summary>
internal static class NoveltyCalibration
{
    public const string Split = "validation";

    /// <summary>
    /// The default weight of each term: the worst window's error and the code's density, each normalised, count
    /// equally; the others are reported beside them. Chosen among four combinations on MNIST digits 8, 5 and 1
    /// (docs/novelty.md has the figures behind the choice).
    /// </summary>
    public static double Weight(string term) => term switch
    {
        NoveltyTerms.Local => 1,
        NoveltyTerms.Prior => 1,
        _ => 0,
    };

    /// <summary>
    /// The scorer for a model of <paramref name="image"/> with <paramref name="prior"/>, calibrated on
    /// <paramref name="count"/> held-out images ([0,1] pixels), their reconstructions and their codes, all row-major:
    /// with the terms and weights of <paramref name="previous"/> when given (a model whose prior changed), else every
    /// term the model allows at its default weight.
    /// </summary>
    public static ScorerCalibration Calibrate(ImageShape image, LatentPrior? prior, float[] pixels, float[] reconstructions, float[] codes, int count, ScorerCalibration? previous = null)
    {
        var terms = new NoveltyTerms(image, prior);
        (string Name, double Weight)[] weights = previous is null
            ? [.. terms.Available.Select(name => (name, Weight(name)))]
            : [.. previous.Terms.Select(term => (term.Name, term.Weight))];
        var values = NoveltyScorer.ComputeTerms(terms, [.. weights.Select(term => term.Name)], pixels, reconstructions, codes, count);
        return NoveltyScorer.Calibrate(Split, weights, values);
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
