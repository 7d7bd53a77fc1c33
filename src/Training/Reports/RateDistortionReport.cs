using System.Globalization;
using System.Text;
using Autoencoder.Training.Evaluation;

namespace Autoencoder.Training.Reports;

/// <summary>The rate-distortion figures as files: every point in a CSV, a markdown table of representative rows, and a plot.</summary>
internal static class RateDistortionReport
{
    public const string CsvFileName = "rate-distortion.csv";
    public const string MarkdownFileName = "rate-distortion.md";
    public const string PlotFileName = "rate-distortion.png";

    /// <summary>The JPEG qualities the markdown table shows; the CSV and the plot have all of them.</summary>
    public static IReadOnlyList<int> TableQualities { get; } = [1, 3, 5, 10, 15, 25, 50, 95];

    /// <summary>Writes the three files and returns the markdown.</summary>
    public static string Save(RateDistortionResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, CsvFileName), Csv(result));
        var markdown = Markdown(result);
        File.WriteAllText(Path.Combine(directory, MarkdownFileName), markdown);
        SavePlot(result, Path.Combine(directory, PlotFileName));
        return markdown;
    }

    public static string Csv(RateDistortionResult result)
    {
        var csv = new StringBuilder("method,storage,jpeg_quality,bytes_per_image,mse\n");
        foreach (var point in result.Points)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{Quoted(point.Method)},{point.Storage},{point.Quality?.ToString(CultureInfo.InvariantCulture)},{point.BytesPerImage:R},{point.MeanSquaredError:R}\n");
        }

        return csv.ToString();
    }

    private static string Quoted(string field) =>
        field.AsSpan().IndexOfAny(",\"\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    public static string Markdown(RateDistortionResult result)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Mean squared error ([0,1] units) over {result.TestImages:N0} test images against bytes per image.\n\n");
        if (result.Channels == 3)
        {
            text.Append("Colour images: the error is over all three channels; JPEG stores them as YCbCr with 4:2:0 chroma subsampling.\n\n");
        }

        text.Append("| code | stored as | bytes per image | MSE |\n| --- | --- | ---: | ---: |\n");
        foreach (var code in result.Codes)
        {
            foreach (var point in code.Points)
            {
                var storage = point.Storage == CodeStorage.Int8.Label()
                    ? string.Create(CultureInfo.InvariantCulture, $"int8, scale {code.Int8Scale:G3}")
                    : point.Storage;
                text.Append(CultureInfo.InvariantCulture, $"| {code.Method} | {storage} | {point.BytesPerImage:F0} | {point.MeanSquaredError:F5} |\n");
            }
        }

        foreach (var jpeg in result.Jpeg.Where(jpeg => TableQualities.Contains(jpeg.Quality)))
        {
            text.Append(CultureInfo.InvariantCulture, $"| JPEG quality {jpeg.Quality} | entropy-coded part (whole file) | {jpeg.EntropyCodedBytes:F1} ({jpeg.FileBytes:F0}) | {jpeg.MeanSquaredError:F5} |\n");
        }

        text.Append("\nThe cheapest JPEG quality whose error is no larger than each code's:\n\n");
        text.Append("| code | MSE | JPEG quality | entropy-coded part | whole file |\n| --- | ---: | ---: | ---: | ---: |\n");
        foreach (var code in result.Codes)
        {
            foreach (var point in code.Points)
            {
                var match = result.Jpeg.Where(jpeg => jpeg.MeanSquaredError <= point.MeanSquaredError).MinBy(jpeg => jpeg.EntropyCodedBytes);
                text.Append(CultureInfo.InvariantCulture, $"| {code.Method}, {point.Storage} ({point.BytesPerImage:F0} B) | {point.MeanSquaredError:F5} | ");
                text.Append(match is null
                    ? "none up to 95 | | |\n"
                    : string.Create(CultureInfo.InvariantCulture, $"{match.Quality} | {match.EntropyCodedBytes:F1} B | {match.FileBytes:F0} B |\n"));
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"\nint8 scales are the largest magnitude among the {result.TrainImages:N0} training images' codes over 127 (no training value clips; test values beyond it are clamped). PCA is fitted on the same training images.\n");
        return text.ToString();
    }

    private static void SavePlot(RateDistortionResult result, string path)
    {
        var plot = new ScottPlot.Plot();
        AddLine(plot, RateDistortionResult.JpegFile + " (quality 1..95)", result.Jpeg.Select(jpeg => (jpeg.FileBytes, jpeg.MeanSquaredError)), markerSize: 3);
        AddLine(plot, RateDistortionResult.JpegEntropyCoded + " (quality 1..95)", result.Jpeg.Select(jpeg => (jpeg.EntropyCodedBytes, jpeg.MeanSquaredError)), markerSize: 3);
        foreach (var code in result.Codes)
        {
            AddLine(plot, code.Method + ": float32, float16, int8", code.Points.Select(point => (point.BytesPerImage, point.MeanSquaredError)), markerSize: 9);
        }

        // ScottPlot plots what it is given: the data go in as log10, and the ticks are labelled back in bytes and MSE.
        plot.Axes.Bottom.TickGenerator = LogTicks(result.Points.Select(point => point.BytesPerImage), "N0");
        plot.Axes.Left.TickGenerator = LogTicks(result.Points.Select(point => point.MeanSquaredError), "0.######");
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Learned code versus JPEG: {result.TestImages:N0} test images"));
        plot.XLabel("bytes per image (log scale)");
        plot.YLabel("MSE per pixel, [0,1] units (log scale)");
        plot.ShowLegend(ScottPlot.Alignment.LowerLeft);
        plot.SavePng(path, 1000, 620);
    }

    private static void AddLine(ScottPlot.Plot plot, string label, IEnumerable<(double Bytes, double Error)> points, float markerSize)
    {
        var ordered = points.OrderBy(point => point.Bytes).ToArray();
        double[] bytes = [.. ordered.Select(point => Math.Log10(point.Bytes))];
        double[] errors = [.. ordered.Select(point => Math.Log10(point.Error))];
        var line = plot.Add.Scatter(bytes, errors);
        line.LegendText = label;
        line.MarkerSize = markerSize;
    }

    /// <summary>Labelled ticks at 1, 2 and 5 times each power of ten the values span, minor ticks at the other multiples.</summary>
    private static ScottPlot.TickGenerators.NumericManual LogTicks(IEnumerable<double> values, string format)
    {
        double[] positive = [.. values.Where(value => value > 0)];
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (var decade = (int)Math.Floor(Math.Log10(positive.Min())); decade <= (int)Math.Ceiling(Math.Log10(positive.Max())); decade++)
        {
            for (var multiple = 1; multiple <= 9; multiple++)
            {
                var value = multiple * Math.Pow(10, decade);
                if (multiple is 1 or 2 or 5)
                {
                    ticks.AddMajor(Math.Log10(value), value.ToString(format, CultureInfo.InvariantCulture));
                }
                else
                {
                    ticks.AddMinor(Math.Log10(value));
                }
            }
        }

        return ticks;
    }
}
