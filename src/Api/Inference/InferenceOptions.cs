namespace Autoencoder.Api.Inference;

/// <summary>Where models run. Bound from the "Inference" configuration section.</summary>
public sealed class InferenceOptions
{
    public const string Section = "Inference";

    /// <summary>auto: CUDA if it loads, else CPU (with a warning); cuda: CUDA or refuse to start; cpu: CPU only.</summary>
    public DeviceKind Device { get; set; } = DeviceKind.Auto;

    /// <summary>Which GPU the CUDA execution provider uses.</summary>
    public int CudaDeviceId { get; set; }

    /// <summary>
    /// Threads ONNX Runtime uses within one inference on CPU; 0 lets it choose (one per core). One is right for a
    /// small model serving concurrent requests: the requests keep the cores busy, and a second thread per run only
    /// adds hand-offs (measured: twice the in-process pipeline throughput on 2 cores, see bench/).
    /// </summary>
    public int IntraOpThreads { get; set; } = 1;
}

public enum DeviceKind
{
    Auto,
    Cuda,
    Cpu,
}
