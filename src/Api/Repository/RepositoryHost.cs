using Autoencoder.Api.Inference;

namespace Autoencoder.Api.Repository;

/// <summary>
/// Loads and warms the models as the host starts (the host does not start if that fails without control), then, in
/// poll control, looks at the models folder every Models:PollSeconds until the host stops.
/// </summary>
public sealed partial class RepositoryHost(ModelRepository repository, ModelRegistry registry, TimeProvider time, ILogger<RepositoryHost> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource stopping = new();
    private Task polling = Task.CompletedTask;
    private int disposed;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await repository.StartAsync(cancellationToken);
        ModelsReady(logger, registry.Served.Count, registry.DefaultName, repository.Control);
        if (repository.Control == ModelControl.Poll)
        {
            polling = PollAsync(stopping.Token);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // A host disposed without being stopped (a test server torn down) has cancelled the polling already, and one
        // disposed while this runs cancels it as it goes.
        if (Volatile.Read(ref disposed) == 0)
        {
            try
            {
                await stopping.CancelAsync();
            }
            catch (ObjectDisposedException)
            {
                // Disposed between the check and the call: cancelled by Dispose.
            }
        }

        await polling.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            stopping.Cancel();
            stopping.Dispose();
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(repository.Options.PollSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await repository.ScanAsync(cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A folder that vanished or could not be read mid-scan: the next scan sees it as it is then.
                    ScanFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The host is stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} model(s) ready; default {Default}; control {Control}")]
    private static partial void ModelsReady(ILogger logger, int count, string @default, ModelControl control);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A scan of the models folder failed")]
    private static partial void ScanFailed(ILogger logger, Exception exception);
}
