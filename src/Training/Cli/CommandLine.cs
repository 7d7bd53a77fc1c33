using System.CommandLine;
using System.CommandLine.Invocation;
using Autoencoder.Core;
using Autoencoder.Training.Data;
using Autoencoder.Training.Fitting;
using Autoencoder.Training.Export;

namespace Autoencoder.Training.Cli;

/// <summary>The commands, and the one place that turns every expected failure into "error: ..." lines and exit code 2.</summary>
internal static class CommandLine
{
    public const int Failed = 2;

    public static RootCommand Create()
    {
        var root = new RootCommand("Trains image autoencoders with TorchSharp, exports them as ONNX, and measures them.")
        {
            new TrainCommand(),
            new ColourDatasetCommand(),
            new BenchmarkCommand(),
            new RateDistortionCommand(),
            new AnomalyReportCommand(),
            new DenoiseReportCommand(),
            new GenerationReportCommand(),
            new LatentMapCommand(),
            new FitPriorCommand(),
            new NoveltyReportCommand(),
        };

        // The name help shows in its usage lines is the program's, also when a test host runs it.
        root.HelpName = typeof(CommandLine).Assembly.GetName().Name;

        // No command at all, or the word "help", shows the help rather than an error.
        var help = new Command("help", "Shows this help.") { Hidden = true };
        help.SetAction(parseResult => root.Parse(["--help"]).Invoke(parseResult.InvocationConfiguration));
        root.Subcommands.Add(help);
        root.SetAction(parseResult => root.Parse(["--help"]).Invoke(parseResult.InvocationConfiguration));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var parseResult = Create().Parse(args);

        // Usage errors as one line each, without the help that System.CommandLine would print after them, and with
        // the exit code of every other failure here.
        if (parseResult.Action is ParseErrorAction)
        {
            foreach (var parseError in parseResult.Errors)
            {
                await error.WriteLineAsync($"error: {parseError.Message}");
            }

            return Failed;
        }

        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,

            // Program.cs handles Ctrl+C: the first asks training to stop and save, the second ends the process.
            ProcessTerminationTimeout = null,

            // Expected failures are caught below; anything else is a bug and keeps its stack trace.
            EnableDefaultExceptionHandler = false,
        };

        try
        {
            return await parseResult.InvokeAsync(configuration, cancellationToken);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return Failed;
        }
        catch (Exception e) when (e is DataFileException or ModelManifestException or TrainingDivergedException)
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
}
