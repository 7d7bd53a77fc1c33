using System.Globalization;
using System.Text;
using Autoencoder.Training.Evaluation;

namespace Autoencoder.Training.Reports;

/// <summary>The generation figures as files: a markdown table, a CSV with every class share, and a sheet of samples per generator.</summary>
internal static class GenerationReport
{
    public const string MarkdownFileName = "generation.md";
    public const string CsvFileName = "generation.csv";
    public const string PictureFileName = "generation.png";

    /// <summary>Samples per side of each generator's block in the picture.</summary>
    public const int ExamplesPerSide = 8;

    private const int Gap = 2;
    private const float GapGray = 0.35f;
    private const int MaxBlocksPerRow = 4;

    /// <summary>Writes the three files and returns the markdown.</summary>
    public static string Save(GenerationResult result, string directory, string commandLine)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, CsvFileName), Csv(result));
        var markdown = Markdown(result, commandLine);
        File.WriteAllText(Path.Combine(directory, MarkdownFileName), markdown);
        SavePicture(result, Path.Combine(directory, PictureFileName));
        return markdown;
    }

    /// <summary>One row per generator and classifier, with every class share.</summary>
    public static string Csv(GenerationResult result)
    {
        var csv = new StringBuilder("generator,kind,classifier,samples,frechet_distance,smallest_class_share,largest_class_share,");
        csv.AppendJoin(',', Enumerable.Range(0, ClassifierNetwork.Classes).Select(label => $"share_{label}")).Append(",test_negative_elbo_nats\n");
        foreach (var generator in result.Generators)
        {
            foreach (var (judgement, classifier) in generator.Judgements.Zip(result.Classifiers))
            {
                csv.Append(CultureInfo.InvariantCulture, $"{Quoted(generator.Name)},{Quoted(generator.Kind)},{classifier.Name},{generator.Samples},{judgement.FrechetDistance:R},");
                csv.Append(CultureInfo.InvariantCulture, $"{judgement.SmallestClassShare:R},{judgement.LargestClassShare:R},");
                csv.AppendJoin(',', judgement.ClassShares.Select(share => share.ToString("R", CultureInfo.InvariantCulture)));
                csv.Append(',').Append(generator.TestNegativeElbo?.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        return csv.ToString();
    }

    public static string Markdown(GenerationResult result, string commandLine)
    {
        var names = result.Classifiers.Select(classifier => classifier.Name).ToArray();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"## Generation on {result.Dataset}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Each generator is judged by {names.Length} classifiers of different architectures, trained from different seeds: {string.Join(" and ", names)}. ");
        text.Append(CultureInfo.InvariantCulture, $"FD is the Fréchet distance between the {ClassifierNetwork.FeatureSize} features of a classifier (its last hidden layer after ReLU) of each generator's samples and of the {result.TestImages:N0} test images: lower is closer to real images; a distance is comparable only with others by the same classifier. ");
        text.Append(CultureInfo.InvariantCulture, $"The class shares are the classifier's predicted labels of the samples, the smallest and largest of the {ClassifierNetwork.Classes} ({100.0 / ClassifierNetwork.Classes:F0}% each when balanced); test −ELBO is the negative evidence lower bound model.json records for a variational autoencoder, in nats per image.\n\n");
        text.Append("| generator |");
        foreach (var name in names)
        {
            text.Append(CultureInfo.InvariantCulture, $" {name} FD | {name} smallest / largest class share |");
        }

        text.Append(" test −ELBO (nats) |\n| --- |").Append(string.Concat(Enumerable.Repeat(" ---: | ---: |", names.Length))).Append(" ---: |\n");
        foreach (var generator in result.Generators)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {generator.Name} ({generator.Kind}) |");
            foreach (var judgement in generator.Judgements)
            {
                text.Append(CultureInfo.InvariantCulture, $" {judgement.FrechetDistance:F2} | {Percent(judgement.SmallestClassShare)} / {Percent(judgement.LargestClassShare)} |");
            }

            text.Append(CultureInfo.InvariantCulture, $" {generator.TestNegativeElbo?.ToString("F2", CultureInfo.InvariantCulture)} |\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"\nEach model draws {result.Samples:N0} codes from the prior in its model.json with seed {result.Seed} at temperature {Generation.Temperature} (the codes the service generates for that seed) and decodes them with its decoder.onnx. ");
        text.Append(CultureInfo.InvariantCulture, $"PCA-{Generation.PcaComponents} is fitted on the {result.TrainImages:N0} training images; its coefficients are drawn from N(0, their variances there) and the rebuilt images clamped to [0,1]. ");
        text.Append("The training images are the floor: what real images, not the test images themselves, score.\n\n");
        text.Append("The classifiers, each trained with Adam on the labelled training images:\n\n");
        foreach (var classifier in result.Classifiers)
        {
            var record = classifier.Record;
            text.Append(CultureInfo.InvariantCulture, $"- {classifier.Name} ({classifier.Architecture.Description()}): {record.Epochs} epoch{(record.Epochs == 1 ? string.Empty : "s")}, seed {record.Seed}, {record.TrainImages:N0} training images; test accuracy {classifier.TestAccuracy * 100:F2}% on the {result.TestImages:N0} test images.\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"\n{PictureFileName}: the first {ExamplesPerSide * ExamplesPerSide} samples of each generator.\n\n");
        text.Append("```sh\n").Append(commandLine).Append("\n```\n");
        return text.ToString();
    }

    /// <summary>A share as a percentage with one decimal, "9.7%".</summary>
    public static string Percent(double share) => string.Create(CultureInfo.InvariantCulture, $"{share * 100:F1}%");

    private static string Quoted(string field) =>
        field.AsSpan().IndexOfAny(",\"\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    /// <summary>One block of 8x8 samples per generator, captioned with its name.</summary>
    private static void SavePicture(GenerationResult result, string path)
    {
        var (height, width) = (result.Height, result.Width);
        var blockHeight = (ExamplesPerSide * (height + Gap)) - Gap;
        var blockWidth = (ExamplesPerSide * (width + Gap)) - Gap;
        var columns = Math.Min(result.Generators.Count, MaxBlocksPerRow);
        var rows = (result.Generators.Count + columns - 1) / columns;
        using var sheet = new DigitSheet(columns, rows, Math.Max(blockHeight, blockWidth));
        for (var index = 0; index < result.Generators.Count; index++)
        {
            var generator = result.Generators[index];
            var block = new float[blockHeight * blockWidth];
            Array.Fill(block, GapGray);
            var examples = generator.Examples.Length / (height * width);
            for (var example = 0; example < examples; example++)
            {
                var top = example / ExamplesPerSide * (height + Gap);
                var left = example % ExamplesPerSide * (width + Gap);
                for (var y = 0; y < height; y++)
                {
                    generator.Examples.AsSpan(((example * height) + y) * width, width).CopyTo(block.AsSpan(((top + y) * blockWidth) + left));
                }
            }

            // The name alone: a block is 8 images wide, and the table beside the picture gives each prior.
            sheet.Draw(index % columns, index / columns, block, blockWidth, blockHeight, generator.Name);
        }

        sheet.Save(path);
    }
}
