using System.Globalization;
using System.Text;

namespace Autoencoder.Training.Reports;

/// <summary>The denoising figures as files: a markdown table, every score in a CSV, and a picture of a few images.</summary>
internal static class DenoiseReport
{
    public const string CsvFileName = "denoise.csv";
    public const string MarkdownFileName = "denoise.md";
    public const string PictureFileName = "denoise.png";

    private const int CellSize = 96;

    /// <summary>Writes the three files and returns the markdown.</summary>
    public static string Save(DenoiseResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, CsvFileName), Csv(result));
        var markdown = Markdown(result);
        File.WriteAllText(Path.Combine(directory, MarkdownFileName), markdown);
        SavePicture(result, Path.Combine(directory, PictureFileName));
        return markdown;
    }

    public static string Csv(DenoiseResult result)
    {
        var csv = new StringBuilder("dataset,noise,method,nlm_h,psnr_db,ssim\n");
        foreach (var row in result.Rows)
        {
            foreach (var score in row.Scores)
            {
                var strength = score.Method == Denoising.NonLocalMeans ? row.NonLocalMeansStrength.ToString(CultureInfo.InvariantCulture) : string.Empty;
                csv.Append(CultureInfo.InvariantCulture, $"{result.Dataset},{row.Noise},{score.Method},{strength},{score.PeakSignalToNoiseRatio:R},{score.StructuralSimilarity:R}\n");
            }
        }

        return csv.ToString();
    }

    public static string Markdown(DenoiseResult result)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"## {result.Dataset}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"PSNR in dB / SSIM against the clean image, each the mean over the first {result.Images:N0} test images, corrupted with seed {result.Seed}.\n\n");
        text.Append("| noise | ").AppendJoin(" | ", result.Methods.Select(method => method == Denoising.NonLocalMeans ? "NLM (h)" : method)).Append(" |\n");
        text.Append("| --- |").Append(string.Concat(Enumerable.Repeat(" ---: |", result.Methods.Count))).Append('\n');
        foreach (var row in result.Rows)
        {
            var best = row.Scores.Max(score => score.PeakSignalToNoiseRatio);
            var cells = row.Scores.Select(score =>
            {
                var cell = string.Create(CultureInfo.InvariantCulture, $"{score.PeakSignalToNoiseRatio:F2} / {score.StructuralSimilarity:F3}");
                cell = score.PeakSignalToNoiseRatio == best ? $"**{cell}**" : cell;
                return score.Method == Denoising.NonLocalMeans ? string.Create(CultureInfo.InvariantCulture, $"{cell} (h {row.NonLocalMeansStrength})") : cell;
            });
            text.Append(CultureInfo.InvariantCulture, $"| {row.Noise} | ").AppendJoin(" | ", cells).Append(" |\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"\nThe best PSNR of each row is in bold. {Denoising.NonLocalMeans} is OpenCV's non-local means (7x7 patches, 21x21 search) on 8-bit pixels; its strength h (in gray levels) is, for each noise setting, the one with the best mean PSNR on the {result.TuningImages:N0} test images that follow the measured ones: first of {string.Join(", ", Denoising.StrengthGrid)}, then of seven strengths about 1.1 times apart around the best of those. ");
        text.Append("Each model reconstructs the noisy image (encoder, then decoder). SSIM uses an 11x11 Gaussian window (standard deviation 1.5) with C1 = 0.01^2 and C2 = 0.03^2.\n\n");
        text.Append(CultureInfo.InvariantCulture, $"{PictureFileName}: for each noise kind at its strongest level, {Denoising.ExamplesPerKind} images; left to right the clean image, the noisy one and each method's output with its PSNR in dB.\n");
        return text.ToString();
    }

    private static void SavePicture(DenoiseResult result, string path)
    {
        using var sheet = new DigitSheet(result.Methods.Count + 1, result.Examples.Count, CellSize);
        for (var row = 0; row < result.Examples.Count; row++)
        {
            var panels = result.Examples[row].Panels;
            for (var column = 0; column < panels.Count; column++)
            {
                sheet.Draw(column, row, panels[column].Pixels, result.Width, result.Height, panels[column].Caption);
            }
        }

        sheet.Save(path);
    }
}
