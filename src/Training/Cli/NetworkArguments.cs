using System.CommandLine;
using Autoencoder.Training.Models;

namespace Autoencoder.Training.Cli;

/// <summary>The options of the commands that build a network: --arch, --hidden, --channels, --convolutions, --latent.</summary>
internal sealed class NetworkArguments
{
    private static readonly NetworkOptions Defaults = new();

    private readonly Option<ArchitectureKind?> architecture = TypedOptions.OneOf<ArchitectureKind>(
        "--arch",
        TypedOptions.WithDefault(
            "fc (the article's fully connected network), conv (strided convolutions) or vae (conv as a variational autoencoder)",
            TypedOptions.Word(Defaults.Kind)));

    private readonly Option<int> hidden = TypedOptions.WholeNumber("--hidden", 1, 100_000, Defaults.Hidden, "fc: hidden layer width");

    private readonly Option<IReadOnlyList<int>?> channels = TypedOptions.WholeNumbers(
        "--channels",
        "A,B,...",
        1,
        4096,
        TypedOptions.WithDefault("conv and vae: channels of each stage, each halving the image", string.Join(',', Defaults.Channels)));

    private readonly Option<int> convolutions = TypedOptions.WholeNumber(
        "--convolutions", 1, 16, Defaults.ConvolutionsPerStage, "conv and vae: 3x3 convolutions a stage, the last strided");

    private readonly Option<int> latent = TypedOptions.WholeNumber("--latent", 1, 100_000, Defaults.Latent, "latent size");

    public IEnumerable<Option> Options => [architecture, hidden, channels, convolutions, latent];

    /// <summary>Whether the command line asks for a variational autoencoder.</summary>
    public bool IsVariational(System.CommandLine.Parsing.CommandResult result) =>
        result.GetResult(architecture) is { Tokens: [var token] }
        && string.Equals(token.Value, TypedOptions.Word(ArchitectureKind.Vae), StringComparison.OrdinalIgnoreCase);

    public NetworkOptions Read(ParseResult parseResult) => new()
    {
        Kind = parseResult.GetValue(architecture) ?? Defaults.Kind,
        Hidden = parseResult.GetValue(hidden),
        Latent = parseResult.GetValue(latent),
        Channels = parseResult.GetValue(channels) ?? Defaults.Channels,
        ConvolutionsPerStage = parseResult.GetValue(convolutions),
    };
}
