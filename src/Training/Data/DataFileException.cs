namespace Autoencoder.Training.Data;

/// <summary>A data file that is missing or not what it claims to be; the message names the file and the problem.</summary>
internal sealed class DataFileException(string path, string problem) : Exception($"{path}: {problem}")
{
    public string FilePath { get; } = path;

    public string Problem { get; } = problem;
}
