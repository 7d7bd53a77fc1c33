using System.Globalization;
using Autoencoder.Core;

namespace Autoencoder.Training.Fitting;

/// <summary>
/// One line of history.csv. Errors are mean squared errors per pixel in [0,1] units; <paramref name="TrainSeconds"/>
/// is the time of the training pass alone (validation excluded), which is what images/s is measured on.
/// </summary>
internal sealed record EpochRecord(int Epoch, double TrainLoss, double TrainMse, double ValidationMse, double LearningRate, double TrainSeconds, double ImagesPerSecond)
{
    public const string CsvHeader = "epoch,train_loss,train_mse,val_mse,train_mse_pixel2,val_mse_pixel2,learning_rate,train_seconds,images_per_second";

    public string ToCsv() => string.Join(
        ',',
        Epoch.ToString(CultureInfo.InvariantCulture),
        TrainLoss.ToString("G6", CultureInfo.InvariantCulture),
        TrainMse.ToString("G6", CultureInfo.InvariantCulture),
        ValidationMse.ToString("G6", CultureInfo.InvariantCulture),
        MeanSquaredError.FromUnit(TrainMse).Pixel2.ToString("F2", CultureInfo.InvariantCulture),
        MeanSquaredError.FromUnit(ValidationMse).Pixel2.ToString("F2", CultureInfo.InvariantCulture),
        LearningRate.ToString("G6", CultureInfo.InvariantCulture),
        TrainSeconds.ToString("F3", CultureInfo.InvariantCulture),
        ImagesPerSecond.ToString("F0", CultureInfo.InvariantCulture));

    public static void WriteCsv(string path, IEnumerable<EpochRecord> history) =>
        File.WriteAllLines(path, history.Select(record => record.ToCsv()).Prepend(CsvHeader));
}
