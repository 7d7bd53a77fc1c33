namespace Autoencoder.Training.Cli;

/// <summary>
/// Writes a model folder all at once: everything goes into a staging folder beside the destination, which replaces
/// the destination only when complete, so a failed or interrupted export never leaves half a model behind.
/// </summary>
internal static class ModelFolder
{
    public static T Write<T>(string destination, Func<string, T> writeInto)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(destination));
        var parent = Path.GetDirectoryName(full) ?? throw new UsageException($"--out '{destination}' has no parent folder");
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(full)}.partial-{Environment.ProcessId}");
        var previous = Path.Combine(parent, $".{Path.GetFileName(full)}.previous-{Environment.ProcessId}");
        DeleteIfPresent(staging);
        Directory.CreateDirectory(staging);
        try
        {
            var result = writeInto(staging);
            if (Directory.Exists(full))
            {
                Directory.Move(full, previous);
            }

            Directory.Move(staging, full);
            DeleteIfPresent(previous);
            return result;
        }
        catch
        {
            DeleteIfPresent(staging);
            throw;
        }
    }

    private static void DeleteIfPresent(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
