using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Autoencoder.Api.Inference;

/// <summary>The execution provider sessions run on, and why, if it is not the one asked for.</summary>
public sealed record ExecutionProvider(string Name, string? FallbackReason)
{
    public const string Cuda = "CUDAExecutionProvider";
    public const string Cpu = "CPUExecutionProvider";
}

/// <summary>
/// Decides once, at start, which execution provider the sessions use, and builds their options. Whether CUDA
/// works is only known by trying: appending the provider loads its shared library and the CUDA and cuDNN
/// libraries behind it, and fails with an <see cref="OnnxRuntimeException"/> when any of them is missing.
/// </summary>
public sealed class ExecutionProviderSelector
{
    private readonly InferenceOptions options;

    public ExecutionProviderSelector(IOptions<InferenceOptions> options, ILogger<ExecutionProviderSelector> logger)
    {
        this.options = options.Value;
        QuietOnnxRuntimeLogger();
        Provider = Choose(this.options, logger);
    }

    public ExecutionProvider Provider { get; }

    /// <summary>New session options for the chosen provider; the caller owns (disposes) them.</summary>
    public SessionOptions CreateSessionOptions() => CreateSessionOptions(Provider.Name);

    /// <summary>New session options for <paramref name="provider"/>, with the configured threads; the caller owns them.</summary>
    public SessionOptions CreateSessionOptions(string provider)
    {
        var session = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = options.IntraOpThreads,
        };
        if (provider == ExecutionProvider.Cuda)
        {
            session.AppendExecutionProvider_CUDA(options.CudaDeviceId);
        }

        return session;
    }

    /// <summary>
    /// ONNX Runtime's own logger writes colored text lines to standard error, outside the service's log: a CUDA
    /// provider that fails to load printed one before the service's warning, and broke the one-JSON-object-a-line log.
    /// What it reports below Fatal reaches the service as an exception too (the provider's failure to load, a failed
    /// run), and that is logged; so only what precedes a crash is left to it.
    /// </summary>
    private static void QuietOnnxRuntimeLogger() => OrtEnv.Instance().EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;

    private static ExecutionProvider Choose(InferenceOptions options, ILogger logger)
    {
        if (options.Device == DeviceKind.Cpu)
        {
            logger.ConfiguredProvider(ExecutionProvider.Cpu);
            return new ExecutionProvider(ExecutionProvider.Cpu, null);
        }

        try
        {
            using var probe = new SessionOptions();
            probe.AppendExecutionProvider_CUDA(options.CudaDeviceId);
            logger.CudaProvider(ExecutionProvider.Cuda, options.CudaDeviceId);
            return new ExecutionProvider(ExecutionProvider.Cuda, null);
        }
        catch (OnnxRuntimeException e) when (options.Device == DeviceKind.Auto)
        {
            var reason = $"CUDA is unavailable: {DescribeFailure(e)}";
            logger.FallingBack(ExecutionProvider.Cpu, reason);
            return new ExecutionProvider(ExecutionProvider.Cpu, reason);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException(
                $"Inference:Device is 'cuda' but CUDA cannot be used: {DescribeFailure(e)}. Install CUDA 13 and cuDNN 9, or set Inference:Device to 'auto' or 'cpu'.",
                e);
        }
    }

    /// <summary>
    /// ONNX Runtime only says that the provider's library failed to load; the loader knows which of its
    /// dependencies (libcublasLt, libcudnn, ...) is missing, so ask it directly.
    /// </summary>
    private static string DescribeFailure(OnnxRuntimeException exception)
    {
        var message = exception.Message.Split('\n', 2)[0].Trim();
        var provider = Directory.EnumerateFiles(AppContext.BaseDirectory, "libonnxruntime_providers_cuda.so", SearchOption.AllDirectories).FirstOrDefault();
        if (provider is null)
        {
            return message;
        }

        try
        {
            NativeLibrary.Free(NativeLibrary.Load(provider));
            return message;
        }
        catch (DllNotFoundException loader)
        {
            // "... LD_DEBUG environment variable: libcublasLt.so.13: cannot open shared object file: No such file or directory"
            var text = loader.Message;
            var missing = text.IndexOf(": cannot open shared object file", StringComparison.Ordinal);
            if (missing <= 0)
            {
                return $"{message} ({text})";
            }

            var start = text.LastIndexOfAny([' ', '\n'], missing - 1) + 1;
            return $"{message}: {text[start..missing]} is missing";
        }
    }
}
