using System.Globalization;
using Autoencoder.Core;

namespace Autoencoder.Training.Fitting;

/// <summary>
/// One line of history.csv. Errors are mean squared errors per pixel in [0,1] units; <paramref name="TrainSeconds"/>
/// is the time of the training pass alone (validation excluded), which is what images/s is measured on. A variational
/// autoencoder's <paramref name="TrainLoss"/> is its negative ELBO at the epoch's KL weight, and
/// <paramref name="ValidationNegativeElbo"/> the validation images' at full weight, which chooses its best epoch (nats per image).
/// </summary>
internal sealed record EpochRecord(
    int Epoch,
    double TrainLoss,
    double TrainMse,
    double ValidationMse,
    double LearningRate,
    double TrainSeconds,
    double ImagesPerSecond,
    double? ValidationNegativeElbo = null)
{
    public const string CsvHeader = "epoch,train_loss,train_mse,val_mse,train_mse_pixel2,val_mse_pixel2,learning_rate,train_seconds,images_per_second";

    /// <summary>The column a variational autoencoder's history adds.</summary>
    public const string NegativeElboColumn = "val_negative_elbo";

    /// <summary>What decides the best epoch: the validation negative ELBO when there is one, else the validation error.</summary>
    public double Criterion => ValidationNegativeElbo ?? ValidationMse;

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
        ImagesPerSecond.ToString("F0", CultureInfo.InvariantCulture))
        + (ValidationNegativeElbo is { } elbo ? "," + elbo.ToString("G6", CultureInfo.InvariantCulture) : string.Empty);

    public static void WriteCsv(string path, IReadOnlyList<EpochRecord> history) =>
        File.WriteAllLines(
            path,
            history.Select(record => record.ToCsv())
                .Prepend(history.Any(record => record.ValidationNegativeElbo is not null) ? $"{CsvHeader},{NegativeElboColumn}" : CsvHeader));
}
