using Autoencoder.Core;
using Autoencoder.Training.Fitting;

namespace Autoencoder.Training.Reports;

/// <summary>loss.png: training and validation error per epoch, as the article plots them.</summary>
internal static class LossPlot
{
    public static void Save(string path, IReadOnlyList<EpochRecord> history, string title)
    {
        var plot = new ScottPlot.Plot();
        double[] epochs = [.. history.Select(record => (double)record.Epoch)];
        var train = plot.Add.Scatter(epochs, [.. history.Select(record => MeanSquaredError.FromUnit(record.TrainMse).Pixel2)]);
        train.LegendText = "train";
        var validation = plot.Add.Scatter(epochs, [.. history.Select(record => MeanSquaredError.FromUnit(record.ValidationMse).Pixel2)]);
        validation.LegendText = "validation";
        var best = history.MinBy(record => record.ValidationMse);
        if (best is not null)
        {
            var marker = plot.Add.Marker(best.Epoch, MeanSquaredError.FromUnit(best.ValidationMse).Pixel2);
            marker.LegendText = $"best: {MeanSquaredError.FromUnit(best.ValidationMse).Pixel2:F1} at epoch {best.Epoch}";
        }

        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("MSE per pixel (pixel², 0..255 scale)");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, 800, 500);
    }
}
