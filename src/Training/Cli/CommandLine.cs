using Autoencoder.Training.Data;
using Autoencoder.Training.Export;

namespace Autoencoder.Training.Cli;

/// <summary>Dispatches a command word to its command and turns every expected failure into one line and exit code 2.</summary>
internal static class CommandLine
{
    public const int Failed = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            return args switch
            {
                [] or ["--help" or "-h" or "help"] => Help(output),
                ["train", .. var rest] => await TrainCommand.RunAsync(rest, output, cancellationToken),
                ["benchmark", .. var rest] => BenchmarkCommand.Run(rest, output),
                ["rate-distortion", .. var rest] => RateDistortionCommand.Run(rest, output),
                ["anomaly-report", .. var rest] => AnomalyReportCommand.Run(rest, output),
                ["latent-map", .. var rest] => LatentMapCommand.Run(rest, output),
                [var unknown, ..] => throw new UsageException($"unknown command '{unknown}' (try --help)"),
            };
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return Failed;
        }
        catch (DataFileException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return Failed;
        }
        catch (ExportParityException e)
        {
            await error.WriteLineAsync($"error: export failed its parity check: {e.Message}");
            return Failed;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("error: cancelled");
            return Failed;
        }
    }

    private static int Help(TextWriter output)
    {
        output.WriteLine("autoencoder-train: trains image autoencoders with TorchSharp and exports them as ONNX.");
        output.WriteLine();
        output.WriteLine(TrainCommand.Usage);
        output.WriteLine(BenchmarkCommand.Usage);
        output.WriteLine(RateDistortionCommand.Usage);
        output.WriteLine(AnomalyReportCommand.Usage);
        output.WriteLine(LatentMapCommand.Usage);
        return 0;
    }
}
