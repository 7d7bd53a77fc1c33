namespace Autoencoder.Api.Inference;

/// <summary>A model folder that cannot be served; the message names the file and what is wrong with it.</summary>
public sealed class ModelLoadException(string path, string problem) : Exception($"{path}: {problem}")
{
    public string FilePath { get; } = path;
}
