using Autoencoder.Core;
using Autoencoder.Training.Models;
using Google.Protobuf;
using static TorchSharp.torch;

namespace Autoencoder.Training.Export;

/// <summary>Writes the encoder and decoder of a trained model as ONNX files, after proving they compute what it computes.</summary>
internal static class ModelExport
{
    /// <summary>Largest difference from TorchSharp an export may show, in [0,1] pixel units and relative to a latent's size.</summary>
    public const double Tolerance = 1e-5;

    public static IReadOnlyList<ParityResult> Write(AutoencoderModel model, string directory, Tensor sampleImages, IReadOnlyDictionary<string, string> metadata)
    {
        var network = model.Network;
        var contract = TensorContract.For(network.Image);
        long?[] imageShape = [null, network.Image.Channels, network.Image.Height, network.Image.Width];
        long?[] latentShape = [null, network.Latent];

        var variational = network is VariationalAutoencoder;
        var encoder = OnnxExporter.Export(
            model.ContractEncoder,
            "encoder",
            new OnnxSignature(
                contract.EncoderInput,
                imageShape,
                contract.EncoderOutput,
                latentShape,
                variational ? [new OnnxOutput(GaussianEncoder.LogVarianceOutput, latentShape)] : null),
            WithRole(metadata, "encoder"));
        var decoder = OnnxExporter.Export(
            model.ContractDecoder,
            "decoder",
            new OnnxSignature(contract.DecoderInput, latentShape, contract.DecoderOutput, imageShape),
            WithRole(metadata, "decoder"));
        var encoderBytes = encoder.ToByteArray();
        var decoderBytes = decoder.ToByteArray();

        model.Network.eval();
        Tensor latents;
        using (no_grad())
        {
            latents = model.ContractEncoder.forward(sampleImages);
        }

        using (latents)
        {
            // Latents are unbounded (hundreds for the article's 0..255 recipe), so their tolerance scales with them.
            var latentScale = Math.Max(1.0, latents.abs().max().item<float>());
            List<ParityResult> results =
            [
                ParityCheck.Compare(ModelManifest.EncoderFileName, encoderBytes, contract.EncoderInput, contract.EncoderOutput, model.ContractEncoder, sampleImages, Tolerance * latentScale),
                ParityCheck.Compare(ModelManifest.DecoderFileName, decoderBytes, contract.DecoderInput, contract.DecoderOutput, model.ContractDecoder, latents, Tolerance),
            ];
            if (variational)
            {
                results.Add(ParityCheck.Compare(
                    $"{ModelManifest.EncoderFileName} ({GaussianEncoder.LogVarianceOutput})",
                    encoderBytes,
                    contract.EncoderInput,
                    GaussianEncoder.LogVarianceOutput,
                    images => model.ContractLogVariance(images)!,
                    sampleImages,
                    Tolerance * latentScale));
            }

            foreach (var result in results.Where(result => !result.Passed))
            {
                throw new ExportParityException(result);
            }

            Directory.CreateDirectory(directory);
            File.WriteAllBytes(Path.Combine(directory, ModelManifest.EncoderFileName), encoderBytes);
            File.WriteAllBytes(Path.Combine(directory, ModelManifest.DecoderFileName), decoderBytes);
            return results;
        }
    }

    private static Dictionary<string, string> WithRole(IReadOnlyDictionary<string, string> metadata, string role) =>
        new(metadata) { ["role"] = role };
}
