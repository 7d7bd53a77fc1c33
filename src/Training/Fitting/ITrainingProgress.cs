namespace Autoencoder.Training.Fitting;

/// <summary>Where a training run reports what it is doing.</summary>
internal interface ITrainingProgress
{
    void Started(string description);

    void Batch(int epoch, int epochs, int batch, int batches, double imagesPerSecond);

    void Epoch(EpochRecord record, int epochs, bool isBest, TimeSpan remaining);

    void Message(string message);
}
