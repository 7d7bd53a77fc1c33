using System.Security.Cryptography;
using System.Text.Json;
using Autoencoder.Core;
using Autoencoder.Training.Data;
using static TorchSharp.torch;

namespace Autoencoder.Training.Evaluation;

/// <summary>What a saved classifier was trained on and how, written beside its weights; a mismatch means training anew.</summary>
internal sealed record ClassifierRecord(string Architecture, string TrainingData, int TrainImages, int Height, int Width, int Epochs, int Seed);

/// <summary>
/// A classifier that judges generated images: a <see cref="ClassifierNetwork"/> trained with Adam on labelled training
/// images, seeded, so the same architecture, data, epochs and seed give the same network. Saved and reused when all of
/// those match.
/// </summary>
internal sealed class ImageClassifier : IDisposable
{
    private const int BatchSize = 64;
    private const int EvaluationBatch = 1000;
    private const double LearningRate = 1e-3;

    private readonly ClassifierNetwork network;

    private ImageClassifier(ClassifierArchitecture architecture, ClassifierNetwork network, ClassifierRecord record)
    {
        Architecture = architecture;
        this.network = network;
        Record = record;
        network.eval();
    }

    public ClassifierArchitecture Architecture { get; }

    public ClassifierRecord Record { get; }

    public int Height => Record.Height;

    public int Width => Record.Width;

    /// <summary>
    /// The classifier saved at <paramref name="path"/> when it was trained on these images with these settings;
    /// otherwise a new one, trained and saved there. Reports which in <paramref name="log"/>.
    /// </summary>
    public static ImageClassifier LoadOrTrain(ClassifierArchitecture architecture, string path, LabelledImages train, int epochs, int seed, Action<string> log)
    {
        var record = new ClassifierRecord(architecture.Label(), Fingerprint(train), train.Count, train.Images.Rows, train.Images.Columns, epochs, seed);
        var recordPath = path + ".json";
        var name = architecture.Label();
        if (File.Exists(path) && File.Exists(recordPath) && ReadRecord(recordPath) == record)
        {
            var saved = architecture.Create(record.Height, record.Width);
            saved.load(path);
            log($"classifier {name}: {path} (trained before on the same {train.Count:N0} images with the same epochs and seed)");
            return new ImageClassifier(architecture, saved, record);
        }

        var classifier = Train(architecture, train, epochs, seed, record, log);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        classifier.network.save(path);
        File.WriteAllText(recordPath, JsonSerializer.Serialize(record, ModelManifest.JsonOptions));
        log($"classifier {name}: saved to {path}");
        return classifier;
    }

    /// <summary>The share of <paramref name="images"/> whose predicted class is their label.</summary>
    public double Accuracy(LabelledImages images)
    {
        var (_, predictions) = Run(PixelValues.ToUnit(images.Images.Pixels), images.Count);
        return (double)predictions.Where((prediction, index) => prediction == images.Labels[index]).Count() / images.Count;
    }

    /// <summary>The features ([count, FeatureSize] row-major) and the predicted class of each of <paramref name="count"/> [0,1] images.</summary>
    public (float[] Features, int[] Predictions) Run(float[] pixels, int count)
    {
        var pixelsPerImage = Height * Width;
        if (pixels.Length != (long)count * pixelsPerImage)
        {
            throw new ArgumentException($"{pixels.Length} pixels are not {count} images of {Height}x{Width}", nameof(pixels));
        }

        var features = new float[(long)count * ClassifierNetwork.FeatureSize];
        var predictions = new int[count];
        using var _ = no_grad();
        for (var start = 0; start < count; start += EvaluationBatch)
        {
            using var scope = NewDisposeScope();
            var batch = Math.Min(EvaluationBatch, count - start);
            var images = tensor(pixels.AsSpan(start * pixelsPerImage, batch * pixelsPerImage).ToArray(), [batch, 1, Height, Width]);
            var activations = network.Features(images);
            activations.data<float>().CopyTo(features.AsSpan(start * ClassifierNetwork.FeatureSize, batch * ClassifierNetwork.FeatureSize));
            var predicted = network.forward(images).argmax(1).data<long>().ToArray();
            for (var i = 0; i < batch; i++)
            {
                predictions[start + i] = (int)predicted[i];
            }
        }

        return (features, predictions);
    }

    public void Dispose() => network.Dispose();

    private static ImageClassifier Train(ClassifierArchitecture architecture, LabelledImages train, int epochs, int seed, ClassifierRecord record, Action<string> log)
    {
        manual_seed(seed);
        var network = architecture.Create(train.Images.Rows, train.Images.Columns);
        using var images = tensor(PixelValues.ToUnit(train.Images.Pixels), [train.Count, 1, train.Images.Rows, train.Images.Columns]);
        using var labels = tensor(train.Labels.Select(value => (long)value).ToArray());
        using var optimizer = optim.Adam(network.parameters(), LearningRate);
        network.train();
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            double lossSum = 0;
            using var order = randperm(train.Count);
            for (var start = 0; start < train.Count; start += BatchSize)
            {
                using var scope = NewDisposeScope();
                var picks = order.narrow(0, start, Math.Min(BatchSize, train.Count - start));
                var loss = nn.functional.cross_entropy(network.forward(images.index_select(0, picks)), labels.index_select(0, picks));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * picks.shape[0];
            }

            log($"classifier {record.Architecture}: epoch {epoch}/{epochs}, cross-entropy {lossSum / train.Count:F4}");
        }

        return new ImageClassifier(architecture, network, record);
    }

    private static ClassifierRecord? ReadRecord(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ClassifierRecord>(File.ReadAllText(path), ModelManifest.JsonOptions);
        }
        catch (JsonException)
        {
            return null; // unreadable: train anew and write it again
        }
    }

    /// <summary>SHA-256 of the training pixels and labels: a saved classifier is reused only for the very same images.</summary>
    private static string Fingerprint(LabelledImages train)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(train.Images.Pixels);
        hash.AppendData(train.Labels);
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
