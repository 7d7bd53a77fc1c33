using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Models;
using Autoencoder.Training.Recipes;
using Autoencoder.Training.Fitting;
using static TorchSharp.torch;

namespace Autoencoder.Training.Tests.Fitting;

public sealed class TrainerTests
{
    private static readonly Lazy<ImageDataset> Mnist = new(() => ImageDataset.LoadIdx(TestData.Mnist));

    [Theory]
    [InlineData("default")]
    [InlineData("article")]
    public void ATinyRunOnRealDigitsLowersTrainingAndValidationError(string recipe)
    {
        var outcome = Train(Options(recipe, epochs: 4));

        using (outcome.Model)
        {
            Assert.Equal(4, outcome.History.Count);
            Assert.True(outcome.History[^1].TrainMse < outcome.History[0].TrainMse * 0.9, Describe(outcome));
            Assert.True(outcome.Best.ValidationMse < outcome.History[0].ValidationMse, Describe(outcome));
            Assert.False(outcome.Interrupted);
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameRun()
    {
        var first = Train(Options("default", epochs: 2));
        var second = Train(Options("default", epochs: 2));

        using (first.Model)
        using (second.Model)
        {
            Assert.Equal(first.History.Select(record => record.ValidationMse), second.History.Select(record => record.ValidationMse));
        }
    }

    [Fact]
    public void ContractModelsMapImagesToLatentsAndBackWithinThePixelRange()
    {
        var outcome = Train(Options("article", epochs: 1));

        using (outcome.Model)
        using (no_grad())
        using (var images = rand(5, 1, 28, 28))
        using (var latent = outcome.Model.ContractEncoder.forward(images))
        using (var decoded = outcome.Model.ContractDecoder.forward(latent))
        {
            Assert.Equal([5L, 20L], latent.shape);
            Assert.Equal([5L, 1L, 28L, 28L], decoded.shape);
            Assert.True(decoded.min().item<float>() >= 0f);
            Assert.True(decoded.max().item<float>() <= 1f);
        }
    }

    [Fact]
    public void StoppingKeepsTheBestCompletedEpoch()
    {
        using var stop = new CancellationTokenSource();
        var progress = new StopAfterEpochs(stop, epochs: 2);

        var outcome = new Trainer(Options("default", epochs: 50), progress).Run(Mnist.Value, stop.Token);

        using (outcome.Model)
        {
            Assert.True(outcome.Interrupted);
            Assert.Equal(2, outcome.History.Count);
            Assert.Equal(outcome.History.MinBy(record => record.ValidationMse), outcome.Best);
            Assert.Equal(outcome.Best.ValidationMse, Trainer.Evaluate(outcome.Model, ValidationImages()), 6);
        }
    }

    [Fact]
    public void ValidationErrorIsMeasuredOnTheContractModels()
    {
        var outcome = Train(Options("default", epochs: 1));

        using (outcome.Model)
        {
            Assert.Equal(outcome.Best.ValidationMse, Trainer.Evaluate(outcome.Model, ValidationImages()), 6);
        }
    }

    [Fact]
    public void TheBestEpochIsChosenOnImagesHeldOutOfTrainingAndTheTestSplitIsScoredOnce()
    {
        var outcome = Train(Options("default", epochs: 2));

        using (outcome.Model)
        using (var test = Trainer.ToTensor(Mnist.Value.Test.Take(300).Images, 1f, CPU))
        {
            Assert.Equal((270, 30, 300), (outcome.TrainImages, outcome.ValidationImages, outcome.TestImages));
            Assert.Equal(outcome.TestMse, Trainer.Evaluate(outcome.Model, test), 6);
            Assert.NotEqual(outcome.TestMse, outcome.Best.ValidationMse);

            var errors = outcome.ValidationErrors;
            Assert.Equal(("validation", 30), (errors.Split, errors.Images));
            Assert.Equal(101, errors.Percentiles.Count);
            Assert.Equal(errors.Percentiles.Order(), errors.Percentiles);
            Assert.Equal(outcome.Best.ValidationMse, errors.Mean, 5);
        }
    }

    [Fact]
    public void AConvolutionalNetworkTrainsThroughTheSameLoop()
    {
        var outcome = Train(Options("default", epochs: 3) with { Network = new NetworkOptions { Kind = ArchitectureKind.Conv, Channels = [8, 16], ConvolutionsPerStage = 1 } });

        using (outcome.Model)
        {
            Assert.IsType<ConvolutionalAutoencoder>(outcome.Model.Network);
            Assert.True(outcome.History[^1].TrainMse < outcome.History[0].TrainMse, Describe(outcome));
            Assert.Equal("conv", outcome.Model.Network.Describe().Kind);
        }
    }

    [Fact]
    public void ADenoiserBringsNoisyImagesCloserToTheCleanOnes()
    {
        // Enough images and epochs to get past the average digit, which is about as far from a digit as these noisy copies.
        var noises = Noise.ParseList("gaussian:0.2-0.4,salt-pepper:0.1-0.2");
        var outcome = Train(Options("default", epochs: 6) with { Noise = noises, Limit = 2000 });

        var clean = Mnist.Value.Test.Images.Select([.. Enumerable.Range(2000, 200)]);
        var cleanPixels = clean.Pixels.Select(pixel => pixel / 255f).ToArray();
        var noisyPixels = cleanPixels.ToArray();
        Noise.ApplyMix(noises, noisyPixels, clean.PixelsPerImage, new Random(11));

        using (outcome.Model)
        using (no_grad())
        using (var noisy = tensor(noisyPixels, [clean.Count, 1, clean.Rows, clean.Columns]))
        using (var latent = outcome.Model.ContractEncoder.forward(noisy))
        using (var denoised = outcome.Model.ContractDecoder.forward(latent))
        {
            var noisyError = PixelValues.MeanSquaredError(noisyPixels, cleanPixels);
            var denoisedError = PixelValues.MeanSquaredError(denoised.data<float>().ToArray(), cleanPixels);
            Assert.True(denoisedError < noisyError * 0.8, $"denoised {denoisedError:F5}, noisy {noisyError:F5}; {Describe(outcome)}");
            Assert.True(outcome.TestMse < outcome.NoisyTestInputMse, $"test {outcome.TestMse:F5}, noisy test inputs {outcome.NoisyTestInputMse:F5}");
        }
    }

    [Fact]
    public void ADenoiserIsTrainedAndScoredAgainstTheCleanImages()
    {
        // Every pixel masked: the network sees only black, so all it can learn is the average clean image. Were it
        // trained against its (black) input, it would learn to give black.
        var outcome = Train(Options("default", epochs: 8) with { Noise = [Noise.Parse("mask:1")] });

        var averageCleanPixel = Mnist.Value.Train.Take(300).Images.Pixels.Average(pixel => pixel / 255.0);
        using (outcome.Model)
        using (no_grad())
        using (var black = zeros(1, 1, 28, 28))
        using (var output = outcome.Model.ContractDecoder.forward(outcome.Model.ContractEncoder.forward(black)))
        using (var validation = ValidationImages())
        using (var blackValidation = zeros_like(validation))
        {
            Assert.InRange(output.mean().item<float>(), averageCleanPixel * 0.5, averageCleanPixel * 1.5);
            Assert.Equal(outcome.Best.ValidationMse, Trainer.Evaluate(outcome.Model, blackValidation, validation), 6);
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameDenoisingRunAndNoiseChangesTheRun()
    {
        var noisy = Options("default", epochs: 2) with { Noise = Noise.ParseList("gaussian:0-0.5,mask:0.3") };
        var first = Train(noisy);
        var second = Train(noisy);
        var plain = Train(Options("default", epochs: 2));

        using (first.Model)
        using (second.Model)
        using (plain.Model)
        {
            Assert.Equal(first.History.Select(record => record.TrainMse), second.History.Select(record => record.TrainMse));
            Assert.Equal(first.History.Select(record => record.ValidationMse), second.History.Select(record => record.ValidationMse));
            Assert.Equal(first.NoisyTestInputMse, second.NoisyTestInputMse);
            Assert.NotEqual(first.History.Select(record => record.TrainMse), plain.History.Select(record => record.TrainMse));
            Assert.Null(plain.NoisyTestInputMse);
        }
    }

    private static Tensor ValidationImages() => Trainer.ToTensor(Mnist.Value.Train.Take(300).Split(0.1, 7).Validation.Images, 1f, CPU);

    private static TrainingOptions Options(string recipe, int epochs) => new()
    {
        DataDirectory = TestData.Mnist,
        OutputDirectory = "",
        Recipe = Recipe.All[recipe],
        Epochs = epochs,
        Limit = 300,
        Threads = 1,
        Seed = 7,
        Device = DeviceChoice.Cpu,
    };

    private static TrainingOutcome Train(TrainingOptions options) =>
        new Trainer(options, new StopAfterEpochs(null, int.MaxValue)).Run(Mnist.Value, CancellationToken.None);

    private static string Describe(TrainingOutcome outcome) =>
        string.Join("; ", outcome.History.Select(record => $"{record.Epoch}: train {record.TrainMse:F5} val {record.ValidationMse:F5}"));

    /// <summary>Progress that asks the run to stop after a number of epochs, as Ctrl+C would.</summary>
    private sealed class StopAfterEpochs(CancellationTokenSource? stop, int epochs) : ITrainingProgress
    {
        public void Started(string description)
        {
        }

        public void Batch(int epoch, int epochCount, int batch, int batches, double imagesPerSecond)
        {
        }

        public void Epoch(EpochRecord record, int epochCount, bool isBest, TimeSpan remaining)
        {
            if (record.Epoch >= epochs)
            {
                stop?.Cancel();
            }
        }

        public void Message(string message)
        {
        }
    }
}
