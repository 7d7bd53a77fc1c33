using Autoencoder.Training.Cli;

// Ctrl+C asks the trainer to stop after the current batch; it then saves the best epoch so far.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (!stop.IsCancellationRequested)
    {
        e.Cancel = true;
        Console.Error.WriteLine("stopping after this batch (Ctrl+C again to abort)...");
        stop.Cancel();
    }
};

return await CommandLine.RunAsync(args, Console.Out, Console.Error, stop.Token);
