using System.Diagnostics;
using System.Globalization;
using Autoencoder.Training.Fitting;

namespace Autoencoder.Training.Cli;

/// <summary>
/// Progress for a person at a terminal: one line per epoch, and between them a status line redrawn in place
/// (only when the output is a terminal, so logs and pipes get clean lines).
/// </summary>
internal sealed class ConsoleProgress(TextWriter output, bool interactive) : ITrainingProgress
{
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(200);
    private readonly Stopwatch sinceRedraw = Stopwatch.StartNew();
    private bool statusShown;

    public void Started(string description) => output.WriteLine($"training: {description}");

    public void Batch(int epoch, int epochs, int batch, int batches, double imagesPerSecond)
    {
        if (!interactive || (sinceRedraw.Elapsed < RedrawInterval && batch != batches))
        {
            return;
        }

        sinceRedraw.Restart();
        output.Write(string.Create(CultureInfo.InvariantCulture, $"\repoch {epoch}/{epochs}  batch {batch}/{batches}  {imagesPerSecond:F0} images/s   "));
        statusShown = true;
    }

    public void Epoch(EpochRecord record, int epochs, bool isBest, TimeSpan remaining)
    {
        ClearStatus();
        var elbo = record.ValidationNegativeElbo is { } value ? string.Create(CultureInfo.InvariantCulture, $"  val -elbo {value:F2} nats") : string.Empty;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"epoch {record.Epoch,3}/{epochs}  loss {record.TrainLoss:G5}  train mse {record.TrainMse:F5} ({record.TrainMse * 65025:F1} px²)  " +
            $"val mse {record.ValidationMse:F5} ({record.ValidationMse * 65025:F1} px²){elbo}{(isBest ? " *" : "  ")}  " +
            $"{record.TrainSeconds:F2} s  {record.ImagesPerSecond:F0} images/s  eta {remaining:hh\\:mm\\:ss}"));
    }

    public void Message(string message)
    {
        ClearStatus();
        output.WriteLine(message);
    }

    private void ClearStatus()
    {
        if (statusShown)
        {
            output.Write("\r" + new string(' ', 72) + "\r");
            statusShown = false;
        }
    }
}
