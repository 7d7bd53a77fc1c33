namespace Autoencoder.Api.Inference;

/// <summary>The start-up log events of model loading and device choice.</summary>
internal static partial class InferenceLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Inference runs on {Provider}, as configured")]
    public static partial void ConfiguredProvider(this ILogger logger, string provider);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inference runs on {Provider} (device {DeviceId})")]
    public static partial void CudaProvider(this ILogger logger, string provider, int deviceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Falling back to {Provider}: {Reason}")]
    public static partial void FallingBack(this ILogger logger, string provider, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded model {Model} version {Version} ({Architecture}, latent {LatentSize}, {Dataset}) on {Provider}")]
    public static partial void LoadedModel(this ILogger logger, string model, long version, string architecture, int latentSize, string dataset, string provider);


    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} version {Version} failed to load: {Reason}")]
    public static partial void ModelLoadFailed(this ILogger logger, string model, long version, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unloaded model {Model} version {Version}: {Reason}")]
    public static partial void ModelUnloaded(this ILogger logger, string model, long version, string reason);
}
