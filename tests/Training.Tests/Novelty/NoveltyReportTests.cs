using System.Globalization;
using Autoencoder.Core;
using Autoencoder.Training.Cli;
using Autoencoder.Training.Evaluation;
using Autoencoder.Training.Novelty;

namespace Autoencoder.Training.Tests.Novelty;

/// <summary>novelty-report end to end on a tiny run, and its ROC curve on cases worked by hand.</summary>
public sealed class NoveltyReportTests : IDisposable
{
    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void TheRocCurveStepsThroughEachDistinctScoreAndTiesMakeADiagonal()
    {
        // Scores from the highest: 0.3 (positive), then 0.2 shared by a positive and a negative, then 0.1 (negative).
        var (falsePositives, truePositives) = NoveltyReport.RocCurve(negatives: [0.1, 0.2], positives: [0.2, 0.3]);

        Assert.Equal([0, 0, 0.5, 1], falsePositives);
        Assert.Equal([0, 0.5, 1, 1], truePositives);
        Assert.Equal(ImageErrors.RocAuc([0.1, 0.2], [0.2, 0.3]), TrapezoidArea(falsePositives, truePositives), 12);
    }

    [Fact]
    public void TheAreaUnderTheRocCurveIsTheAurocWhateverTheTies()
    {
        var random = new Random(4);
        double[] negatives = [.. Enumerable.Range(0, 300).Select(_ => Math.Round(random.NextDouble() * 10))];
        double[] positives = [.. Enumerable.Range(0, 200).Select(_ => Math.Round((random.NextDouble() * 10) + 2))];

        var (falsePositives, truePositives) = NoveltyReport.RocCurve(negatives, positives);

        Assert.Equal(ImageErrors.RocAuc(negatives, positives), TrapezoidArea(falsePositives, truePositives), 10);
    }

    [Fact]
    public async Task ATinyRunWritesAModelFolderPerClassATableAndAPicture()
    {
        var output = temp.File("novelty");
        using var log = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await CommandLine.RunAsync(
            ["novelty-report", "--data", TestData.Mnist, "--classes", "1,8", "--out", output, "--epochs", "1", "--limit", "300", "--threads", "1"],
            log,
            error,
            CancellationToken.None);

        Assert.True(exitCode == 0, error.ToString());
        foreach (var name in new[] { "1", "8" })
        {
            var manifest = ModelManifest.Load(Path.Combine(output, name, ModelManifest.FileName));
            Assert.Equal([name], manifest.Dataset.Classes);
            Assert.NotNull(manifest.Scorer);
            Assert.True(File.Exists(Path.Combine(output, name, ModelManifest.EncoderFileName)));
            Assert.True(File.Exists(Path.Combine(output, name, ModelManifest.DecoderFileName)));
        }

        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(output, "roc.png"))[..4]);
        var markdown = File.ReadAllText(Path.Combine(output, "novelty.md"));
        Assert.Contains(markdown, log.ToString(), StringComparison.Ordinal);
        var rows = markdown.Split('\n').Where(line => line.StartsWith("| 1 |", StringComparison.Ordinal) || line.StartsWith("| 8 |", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, rows.Length);
        foreach (var row in rows)
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries)[3..^4];
            Assert.Equal(4 + 1 + TermCombination.Compared.Count(combination => !combination.Weights.ContainsKey(NoveltyTerms.Joint)), cells.Length);
            Assert.All(cells, cell => Assert.InRange(double.Parse(cell.Trim('*'), CultureInfo.InvariantCulture), 0, 100));
        }
    }

    [Fact]
    public async Task AJointScorerIsTrainedAndRescoringGivesTheSameNetworksAnotherScorerWithoutTrainingThem()
    {
        var output = temp.File("novelty");
        string[] run = ["novelty-report", "--data", TestData.Mnist, "--classes", "1", "--out", output, "--epochs", "1", "--limit", "300", "--threads", "1"];
        var folder = Path.Combine(output, "1");

        var (trained, _) = await RunAsync([.. run, "--novelty-terms", "structural,joint"]);
        var encoder = File.ReadAllBytes(Path.Combine(folder, ModelManifest.EncoderFileName));
        var (again, againLog) = await RunAsync([.. run, "--novelty-terms", "structural,joint", "--rescore"]);
        var (rescored, rescoredLog) = await RunAsync([.. run, "--novelty-terms", "prior", "--prior-components", "2", "--rescore"]);

        // Trained: the joint density over the code and two errors, counted with structural.
        var joint = trained.Scorer!.Joint!;
        Assert.Equal([NoveltyTerms.MeanSquaredError, NoveltyTerms.Structural], joint.Errors.Select(error => error.Name));
        Assert.Equal(trained.LatentSize + 2, joint.Mixture.LatentSize);
        Assert.Equal([.. NoveltyTerms.Names, NoveltyTerms.Joint], trained.Scorer.Terms.Select(term => term.Name));
        Assert.Equal([0.0, 1, 0, 0, 1], trained.Scorer.Terms.Select(term => term.Weight));

        // Rescored with the same recipe: the same scorer, from the exported files' outputs instead of the network's.
        Assert.DoesNotContain("training:", againLog, StringComparison.Ordinal);
        Assert.All(trained.Scorer.Terms.Zip(again.Scorer!.Terms), pair => Assert.Equal(pair.First.Median, pair.Second.Median, 1e-3 * pair.First.Spread));
        Assert.All(joint.Errors.Zip(again.Scorer.Joint!.Errors), pair => Assert.Equal(pair.First.Median, pair.Second.Median, 1e-3 * pair.First.Spread));

        // Rescored with another: a new prior and scorer, the same network.
        Assert.DoesNotContain("training:", rescoredLog, StringComparison.Ordinal);
        Assert.Equal(encoder, File.ReadAllBytes(Path.Combine(folder, ModelManifest.EncoderFileName)));
        Assert.Null(rescored.Scorer!.Joint);
        Assert.Equal(2, rescored.Prior!.Components.Count);
        Assert.Equal([0.0, 0, 0, 1], rescored.Scorer.Terms.Select(term => term.Weight));
        Assert.Equal((trained.Dataset.TrainImages, trained.Dataset.ValidationImages), (rescored.Dataset.TrainImages, rescored.Dataset.ValidationImages));
    }

    [Fact]
    public async Task RescoringAFolderWithoutTheModelOfThoseImagesIsRefused()
    {
        using var log = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await CommandLine.RunAsync(
            ["novelty-report", "--data", TestData.Mnist, "--classes", "1", "--out", temp.File("empty"), "--limit", "300", "--threads", "1", "--rescore"], log, error, CancellationToken.None);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("model.json", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Runs the command, which must succeed, and reads its class 1 model.json.</summary>
    private static async Task<(ModelManifest Manifest, string Log)> RunAsync(string[] args)
    {
        using var log = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CommandLine.RunAsync(args, log, error, CancellationToken.None);
        Assert.True(exitCode == 0, error.ToString());
        return (ModelManifest.Load(Path.Combine(args[Array.IndexOf(args, "--out") + 1], "1", ModelManifest.FileName)), log.ToString());
    }

    private static double TrapezoidArea(double[] x, double[] y) =>
        Enumerable.Range(1, x.Length - 1).Sum(i => (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2);
}
