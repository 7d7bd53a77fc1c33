using System.Globalization;
using Autoencoder.Core;

namespace Autoencoder.Training.Cli;

/// <summary>
/// Writes into a models folder that a service may be reading: a model folder, or a file in one, appears all at once,
/// complete, or not at all. Everything is written beside its destination under a name starting with '.', which the
/// service skips, and renamed into place only when complete, so a failed or interrupted run never leaves half a model
/// where it can be loaded.
/// </summary>
internal static class ModelFolder
{
    /// <summary>
    /// Where a model goes: <paramref name="output"/> itself, or with a <paramref name="version"/> its numbered version
    /// folder, as the API reads a model's versions. A folder holding a model of its own takes no version folders (the API
    /// refuses a folder with both layouts), and one holding version folders is not replaced by a model without one.
    /// </summary>
    public static string Destination(string output, int? version)
    {
        if (version is not { } number)
        {
            // Replacing the folder with one model would delete every version in it, and its policy.
            var versions = Directory.Exists(output)
                ? Directory.GetDirectories(output).Select(Path.GetFileName).Where(name => name is { Length: > 0 } && name.All(char.IsAsciiDigit)).Order().ToList()
                : [];
            return versions.Count == 0
                ? output
                : throw new UsageException(
                    $"--out {output} holds version folders ({string.Join(", ", versions)}); name the version to write with --version N, or choose another --out");
        }

        if (File.Exists(Path.Combine(output, ModelManifest.FileName)))
        {
            throw new UsageException(
                $"--out {output} holds a model of its own ({ModelManifest.FileName}), so --version {number} cannot go beside it: " +
                $"the API refuses a folder holding both layouts. Move its files into {Path.Combine(output, "1")} first, or choose another --out");
        }

        return Path.Combine(output, number.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Has <paramref name="writeInto"/> write a whole model folder into a staging folder beside
    /// <paramref name="destination"/>, then renames it into place, replacing any model there. A failure leaves the
    /// previous model as it was and no staging folder.
    /// </summary>
    public static T Write<T>(string destination, Func<string, T> writeInto)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(destination));
        var parent = Path.GetDirectoryName(full) ?? throw new UsageException($"--out '{destination}' has no parent folder");
        Directory.CreateDirectory(parent);
        var staging = Hidden(full, "partial");
        var previous = Hidden(full, "previous");
        DeleteIfPresent(staging);
        Directory.CreateDirectory(staging);
        try
        {
            var result = writeInto(staging);
            if (!Directory.Exists(full))
            {
                Directory.Move(staging, full);
                return result;
            }

            // No portable call swaps two folders in one step, so replacing takes two renames: the old model moves away to
            // a hidden name, then the new one moves in. Between the two, for as long as a rename takes, there is no model
            // at the destination; a service looking then finds it missing, never half of one.
            Directory.Move(full, previous);
            try
            {
                Directory.Move(staging, full);
            }
            catch
            {
                Directory.Move(previous, full);
                throw;
            }

            DeleteIfPresent(previous);
            return result;
        }
        catch
        {
            DeleteIfPresent(staging);
            throw;
        }
    }

    /// <summary>
    /// Has <paramref name="write"/> write a file of a model folder beside <paramref name="path"/>, then renames it over
    /// <paramref name="path"/> in one step: a failure leaves the previous file, never half a new one.
    /// </summary>
    public static void ReplaceFile(string path, Action<string> write)
    {
        var staging = Hidden(Path.GetFullPath(path), "partial");
        try
        {
            write(staging);
            File.Move(staging, path, overwrite: true);
        }
        finally
        {
            File.Delete(staging);
        }
    }

    /// <summary>A name beside <paramref name="path"/> that the service skips, and that no other trainer process writes to.</summary>
    private static string Hidden(string path, string role) =>
        Path.Combine(Path.GetDirectoryName(path)!, string.Create(CultureInfo.InvariantCulture, $".{Path.GetFileName(path)}.{role}-{Environment.ProcessId}"));

    private static void DeleteIfPresent(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
