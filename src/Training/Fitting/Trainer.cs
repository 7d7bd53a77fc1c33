using System.Diagnostics;
using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Evaluation;
using Autoencoder.Training.Models;
using Autoencoder.Training.Novelty;
using Autoencoder.Training.Priors;
using Autoencoder.Training.Recipes;
using Autoencoder.Training.Reports;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Autoencoder.Training.Fitting;

/// <summary>
/// What a finished (or interrupted) run produced: the model at its best validation epoch, the history, the images it
/// was trained, validated and tested on, its test error, and the distribution of its validation errors. For a
/// denoiser, the validation and test errors are of its outputs for fixed noisy inputs against the clean images, and
/// <see cref="NoisyTestInputMse"/> is how far those noisy test inputs themselves are from the clean ones.
/// </summary>
internal sealed record TrainingOutcome(
    AutoencoderModel Model,
    IReadOnlyList<EpochRecord> History,
    EpochRecord Best,
    TimeSpan Elapsed,
    bool Interrupted,
    string Device,
    Augmentation Augmentation,
    int TrainImages,
    int ValidationImages,
    int TestImages,
    double TestMse,
    ReconstructionErrors ValidationErrors,
    double? NoisyTestInputMse,
    NegativeElbo? TestNegativeElbo,
    LatentPrior Prior,
    ScorerCalibration Scorer);

/// <summary>A variational autoencoder's negative ELBO over a set of images, at full KL weight: its mean per image and the mean of its two terms (nats).</summary>
internal sealed record NegativeElbo(double Total, double Reconstruction, double Kl);

/// <summary>
/// Trains an autoencoder with a recipe: a share of the training images is held out for validation, the rest is
/// shuffled into mini-batches (augmented as the data set allows), and after every epoch the validation error decides
/// whether these are the best weights so far. The test split is looked at once, at the end, to report the kept
/// model's error. Cancellation stops after the current batch; the best epoch so far is what the run returns.
/// With noise (a denoiser), each batch is corrupted anew and the loss compares the output with the clean batch;
/// validation and test compare outputs for noisy copies made once with the clean images.
/// A variational autoencoder is trained on its negative ELBO (the KL term warmed up over the first epochs), and its
/// validation negative ELBO at full weight chooses the best epoch; errors are those of reconstructions from the mean.
/// Every run ends by giving the model a prior over its codes: N(0, I) for a variational autoencoder, Gaussians fitted
/// to the training images' codes otherwise.
/// </summary>
internal sealed class Trainer(TrainingOptions options, ITrainingProgress progress)
{
    private const int EvaluationChunk = 2000;

    public TrainingOutcome Run(ImageDataset dataset, CancellationToken cancellationToken)
    {
        var recipe = options.Recipe;
        var device = ChooseDevice(options.Device);
        torch.set_num_threads(options.Threads);
        torch.manual_seed(options.Seed);

        var all = options.Limit is { } limit ? dataset.Train.Take(limit) : dataset.Train;
        var test = options.Limit is { } testLimit ? dataset.Test.Take(testLimit) : dataset.Test;
        var (train, validation) = all.Split(options.ValidationFraction, options.Seed);
        var augmentation = options.Augmentation ?? DatasetConventions.DefaultAugmentation(dataset.Name);
        var image = train.Images.Shape;
        var network = options.Network.Create(recipe, image);
        network.to(device);
        var model = new AutoencoderModel(network, recipe.PixelScale);
        var variational = network as VariationalAutoencoder;

        using var trainImages = ToTensor(train.Images, recipe.PixelScale, device);
        using var validationImages = ToTensor(validation.Images, 1f, device);
        var corruption = options.Noise is { Count: > 0 } noises ? new Corruption(noises, recipe.PixelScale, options.Seed) : null;
        using var noisyValidationImages = corruption?.CorruptValidation(validationImages);
        var validationInputs = noisyValidationImages ?? validationImages;
        var epochs = options.EffectiveEpochs;
        var batchSize = options.EffectiveBatchSize;
        var batches = (train.Count + batchSize - 1) / batchSize;

        using var optimizer = CreateOptimizer(recipe, network);
        var parameters = network.parameters().ToList();
        var recomputedBatches = 0;
        var scheduler = recipe.Schedule == LearningRateSchedule.OneCycle
            ? optim.lr_scheduler.OneCycleLR(optimizer, recipe.LearningRate, total_steps: epochs * batches, cycle_momentum: false)
            : null;

        progress.Started($"{recipe.Name} recipe, {network.Summary} ({network.ParameterCount:N0} parameters), " +
            $"{train.Count} training / {validation.Count} validation images, augmentation {augmentation.ToString().ToLowerInvariant()}, " +
            (corruption is null ? string.Empty : $"noise {string.Join(',', corruption.Noises)}, ") +
            $"batch {batchSize}, {epochs} epochs, seed {options.Seed}, {device.type.ToString().ToLowerInvariant()} with {options.Threads} threads");

        var history = new List<EpochRecord>();
        Dictionary<string, Tensor>? bestWeights = null;
        EpochRecord? best = null;
        var total = Stopwatch.StartNew();
        var interrupted = false;
        var pixelScaleSquared = (double)recipe.PixelScale * recipe.PixelScale;
        var random = new Random(options.Seed);

        for (var epoch = 1; epoch <= epochs && !interrupted; epoch++)
        {
            var clock = Stopwatch.StartNew();
            network.train();
            double lossSum = 0, mseSum = 0;
            var seen = 0;
            using (var order = randperm(train.Count, device: device))
            {
                for (var batch = 0; batch < batches; batch++)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        interrupted = true;
                        break;
                    }

                    using var scope = NewDisposeScope();
                    var start = batch * batchSize;
                    var count = Math.Min(batchSize, train.Count - start);
                    var target = Augment(trainImages.index_select(0, order.narrow(0, start, count)), augmentation, random);
                    var input = corruption?.CorruptBatch(target) ?? target;
                    var klWeight = KlWeight(epoch, batch, batches);
                    var (output, loss, recomputed) = GradientStep.Compute(optimizer, parameters, () =>
                    {
                        if (variational is null)
                        {
                            var plain = network.forward(input);
                            return (plain, Loss(recipe.Loss, plain, target));
                        }

                        var terms = variational.NegativeElbo(input, target);
                        return (terms.Output, terms.Reconstruction.add(terms.Kl.mul(klWeight)).mean());
                    }, $"epoch {epoch}, batch {batch + 1}");
                    recomputedBatches += recomputed ? 1 : 0;
                    optimizer.step();
                    scheduler?.step();

                    using (no_grad())
                    {
                        var mse = recipe.Loss == LossFunction.MeanSquaredError ? loss : nn.functional.mse_loss(output, target);
                        mseSum += mse.item<float>() * count / pixelScaleSquared;
                    }

                    lossSum += loss.item<float>() * count;
                    seen += count;
                    progress.Batch(epoch, epochs, batch + 1, batches, seen / clock.Elapsed.TotalSeconds);
                }
            }

            if (interrupted)
            {
                break;
            }

            var trainSeconds = clock.Elapsed.TotalSeconds;
            var record = new EpochRecord(
                epoch,
                lossSum / seen,
                mseSum / seen,
                Evaluate(model, validationInputs, validationImages),
                scheduler?.get_last_lr().First() ?? recipe.LearningRate,
                trainSeconds,
                seen / trainSeconds,
                variational is null ? null : EvaluateNegativeElbo(variational, validationImages, options.Seed).Total);
            history.Add(record);

            var isBest = best is null || record.Criterion < best.Criterion;
            if (isBest)
            {
                best = record;
                DisposeAll(bestWeights);
                bestWeights = Snapshot(network);
            }

            var remaining = TimeSpan.FromSeconds(total.Elapsed.TotalSeconds / epoch * (epochs - epoch));
            progress.Epoch(record, epochs, isBest, remaining);
            if (recomputedBatches > 0)
            {
                progress.Message($"epoch {epoch}: {recomputedBatches} batch(es) came out with non-finite gradients from libtorch's convolution and were computed again on zeroed memory");
                recomputedBatches = 0;
            }
        }

        if (bestWeights is not null)
        {
            network.load_state_dict(bestWeights);
            DisposeAll(bestWeights);
        }
        else
        {
            // Stopped before the first epoch ended: what there is, measured as it is.
            var validationMse = Evaluate(model, validationInputs, validationImages);
            best = new EpochRecord(
                0,
                double.NaN,
                double.NaN,
                validationMse,
                recipe.LearningRate,
                total.Elapsed.TotalSeconds,
                0,
                variational is null ? null : EvaluateNegativeElbo(variational, validationImages, options.Seed).Total);
        }

        network.eval();
        var validationErrors = ImageErrors.Summarise("validation", PerImageErrors(model, validationImages));
        double testMse;
        double? noisyTestInputMse = null;
        NegativeElbo? testNegativeElbo = null;
        using (var testImages = ToTensor(test.Images, 1f, device))
        using (var noisyTestImages = corruption?.CorruptTest(testImages))
        {
            testMse = Evaluate(model, noisyTestImages ?? testImages, testImages);
            if (noisyTestImages is not null)
            {
                using var difference = nn.functional.mse_loss(noisyTestImages, testImages);
                noisyTestInputMse = difference.item<float>();
            }

            if (variational is not null)
            {
                testNegativeElbo = EvaluateNegativeElbo(variational, testImages, options.Seed);
            }
        }

        var prior = variational is not null
            ? LatentPrior.StandardNormal(network.Latent)
            : GaussianMixtureFit.Fit(
                Codes(network, trainImages),
                train.Count,
                network.Latent,
                options.PriorComponents,
                options.Seed,
                GaussianMixtureFit.Describe(train.Count, "training images (the validation images held out)"));
        JointDensity? joint = null;
        if (JointDensityFit.Wanted(options.NoveltyTerms))
        {
            var (trainPixels, trainReconstructions, trainCodes) = ContractOutputs(model, trainImages);
            joint = JointDensityFit.Fit(
                image, JointDensityFit.DefaultErrors, trainPixels, trainReconstructions, trainCodes, train.Count, options.PriorComponents, options.Seed);
        }

        var (pixels, reconstructions, codes) = ContractOutputs(model, validationImages);
        var scorer = NoveltyCalibration.Calibrate(image, prior, pixels, reconstructions, codes, validation.Count, counted: options.NoveltyTerms, joint: joint);

        return new TrainingOutcome(
            model,
            history,
            best!,
            total.Elapsed,
            interrupted,
            device.type.ToString().ToLowerInvariant(),
            augmentation,
            train.Count,
            validation.Count,
            test.Count,
            testMse,
            validationErrors,
            noisyTestInputMse,
            testNegativeElbo,
            prior,
            scorer);
    }

    /// <summary>
    /// The KL term's weight in the training loss at a batch: rising linearly from 0 (the first batch) to 1 over the first
    /// <see cref="TrainingOptions.KlWarmupEpochs"/> epochs, then 1.
    /// </summary>
    private double KlWeight(int epoch, int batch, int batches) =>
        options.KlWarmupEpochs == 0 ? 1.0 : Math.Min(1.0, (((epoch - 1) * (double)batches) + batch) / (options.KlWarmupEpochs * (double)batches));

    /// <summary>
    /// The negative ELBO of [0,1] <paramref name="images"/> at full KL weight, each image's code drawn once with noise from
    /// a generator seeded by <paramref name="seed"/>: the same draws every time, so epochs are compared on equal terms.
    /// </summary>
    public static NegativeElbo EvaluateNegativeElbo(VariationalAutoencoder network, Tensor images, int seed)
    {
        network.eval();
        using var _ = no_grad();
        using var generator = new Generator((ulong)seed, images.device);
        double reconstruction = 0, kl = 0;
        var count = images.shape[0];
        for (long start = 0; start < count; start += EvaluationChunk)
        {
            using var scope = NewDisposeScope();
            var chunk = images.narrow(0, start, Math.Min(EvaluationChunk, count - start));
            var terms = network.NegativeElbo(chunk, chunk, generator);
            reconstruction += terms.Reconstruction.sum().to_type(ScalarType.Float64).item<double>();
            kl += terms.Kl.sum().to_type(ScalarType.Float64).item<double>();
        }

        return new NegativeElbo((reconstruction + kl) / count, reconstruction / count, kl / count);
    }

    /// <summary>The network's codes (a variational encoder's means) of images in the recipe's pixel scale, [N, latent] row-major.</summary>
    private static float[] Codes(AutoencoderNetwork network, Tensor images)
    {
        network.eval();
        using var _ = no_grad();
        var codes = new List<float>((int)images.shape[0] * network.Latent);
        for (long start = 0; start < images.shape[0]; start += EvaluationChunk)
        {
            using var scope = NewDisposeScope();
            var chunk = images.narrow(0, start, Math.Min(EvaluationChunk, images.shape[0] - start));
            using var latent = network.Encoder.forward(chunk).cpu();
            codes.AddRange(latent.data<float>().ToArray());
        }

        return [.. codes];
    }

    /// <summary>
    /// What the exported files give for [0,1] <paramref name="images"/>, as flat row-major arrays: the images themselves,
    /// their reconstructions and their codes.
    /// </summary>
    private static (float[] Pixels, float[] Reconstructions, float[] Codes) ContractOutputs(AutoencoderModel model, Tensor images)
    {
        model.Network.eval();
        using var _ = no_grad();
        var count = (int)images.shape[0];
        var pixelsPerImage = (int)(images.shape[1] * images.shape[2] * images.shape[3]);
        var pixels = new float[count * pixelsPerImage];
        var reconstructions = new float[count * pixelsPerImage];
        var codes = new float[count * model.Network.Latent];
        for (var start = 0; start < count; start += EvaluationChunk)
        {
            using var scope = NewDisposeScope();
            var chunk = images.narrow(0, start, Math.Min(EvaluationChunk, count - start));
            var code = model.ContractEncoder.forward(chunk);
            var reconstruction = model.ContractDecoder.forward(code);
            chunk.cpu().data<float>().CopyTo(pixels, start * pixelsPerImage);
            reconstruction.cpu().data<float>().CopyTo(reconstructions, start * pixelsPerImage);
            code.cpu().data<float>().CopyTo(codes, start * model.Network.Latent);
        }

        return (pixels, reconstructions, codes);
    }

    /// <summary>Mean squared error per pixel, in [0,1] units, of the contract models on the given [0,1] images.</summary>
    public static double Evaluate(AutoencoderModel model, Tensor images) => Evaluate(model, images, images);

    /// <summary>
    /// Mean squared error per pixel, in [0,1] units, of the contract models' outputs for <paramref name="inputs"/>
    /// against <paramref name="targets"/> (a denoiser's noisy inputs and the clean images).
    /// </summary>
    public static double Evaluate(AutoencoderModel model, Tensor inputs, Tensor targets)
    {
        model.Network.eval();
        using var _ = no_grad();
        double sum = 0;
        var count = targets.shape[0];
        for (long start = 0; start < count; start += EvaluationChunk)
        {
            using var scope = NewDisposeScope();
            var length = Math.Min(EvaluationChunk, count - start);
            var output = model.ContractDecoder.forward(model.ContractEncoder.forward(inputs.narrow(0, start, length)));
            sum += nn.functional.mse_loss(output, targets.narrow(0, start, length), nn.Reduction.Sum).item<float>();
        }

        return sum / (count * targets.shape[1] * targets.shape[2] * targets.shape[3]);
    }

    /// <summary>Each image's mean squared error per pixel, in [0,1] units, through the contract models.</summary>
    public static double[] PerImageErrors(AutoencoderModel model, Tensor images)
    {
        model.Network.eval();
        using var _ = no_grad();
        var errors = new List<double>((int)images.shape[0]);
        for (long start = 0; start < images.shape[0]; start += EvaluationChunk)
        {
            using var scope = NewDisposeScope();
            var chunk = images.narrow(0, start, Math.Min(EvaluationChunk, images.shape[0] - start));
            var reconstruction = model.ContractDecoder.forward(model.ContractEncoder.forward(chunk));
            using var perImage = reconstruction.sub(chunk).square().mean([1, 2, 3]).to_type(ScalarType.Float64).cpu();
            errors.AddRange(perImage.data<double>().ToArray());
        }

        return [.. errors];
    }

    /// <summary>[N,C,H,W] float32 pixels scaled from 0..255 bytes to 0..<paramref name="pixelScale"/>.</summary>
    public static Tensor ToTensor(ImageStack images, float pixelScale, Device device)
    {
        using var bytes = tensor(images.Pixels, [images.Count, images.Channels, images.Rows, images.Columns], ScalarType.Byte);
        using var floats = bytes.to_type(ScalarType.Float32);
        return floats.mul(pixelScale / 255f).to(device);
    }

    /// <summary>Varies a batch as <paramref name="augmentation"/> says (see <see cref="Augmentation"/>).</summary>
    private static Tensor Augment(Tensor batch, Augmentation augmentation, Random random)
    {
        switch (augmentation)
        {
            case Augmentation.Shift:
                var (dy, dx) = (random.Next(-1, 2), random.Next(-1, 2));
                return dy == 0 && dx == 0 ? batch : batch.roll((dy, dx), (2, 3));
            case Augmentation.Flip:
                var mirror = rand([batch.shape[0], 1, 1, 1], device: batch.device).lt(0.5);
                return where(mirror, batch.flip(3), batch);
            default:
                return batch;
        }
    }

    private static Device ChooseDevice(DeviceChoice choice) => choice switch
    {
        DeviceChoice.Cpu => CPU,
        DeviceChoice.Cuda when cuda.is_available() => CUDA,
        DeviceChoice.Cuda => throw new InvalidOperationException("--device cuda was asked for, but TorchSharp sees no CUDA device"),
        _ => cuda.is_available() ? CUDA : CPU,
    };

    private static optim.Optimizer CreateOptimizer(Recipe recipe, nn.Module network) => recipe.WeightDecay == 0
        ? optim.Adam(network.parameters(), recipe.LearningRate)
        : optim.AdamW(network.parameters(), recipe.LearningRate, weight_decay: recipe.WeightDecay);

    private static Tensor Loss(LossFunction loss, Tensor output, Tensor target) => loss switch
    {
        LossFunction.MeanSquaredError => nn.functional.mse_loss(output, target),
        LossFunction.BinaryCrossEntropy => nn.functional.binary_cross_entropy(output, target),
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, null),
    };

    private static Dictionary<string, Tensor> Snapshot(nn.Module network) =>
        network.state_dict().ToDictionary(entry => entry.Key, entry => entry.Value.detach().clone());

    private static void DisposeAll(Dictionary<string, Tensor>? weights)
    {
        foreach (var tensor in weights?.Values ?? Enumerable.Empty<Tensor>())
        {
            tensor.Dispose();
        }
    }
}
