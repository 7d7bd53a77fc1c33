using System.Diagnostics;

namespace Autoencoder.Fuzz.Images;

/// <summary>
/// Runs saved inputs (afl-fuzz's crashes and hangs, or any file) through the target in this
/// process, so a finding shows its exception and stack trace, and how long each input took.
/// Each input gets the same PNG CRC repair as under afl-fuzz, so it takes the same path.
/// </summary>
internal static class Reproduction
{
    // The time afl-fuzz allows an input in fuzz/run.sh (-t): longer is a hang.
    private static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(10);

    // afl-fuzz leaves this note beside the inputs it saves; it is not an input.
    private const string AflReadme = "README.txt";

    /// <returns>0 when no input is a finding, 1 otherwise.</returns>
    public static int Run(ImageToTensorTarget target, IEnumerable<string> filesOrDirectories)
    {
        var findings = 0;
        var inputs = filesOrDirectories.SelectMany(Expand).ToList();
        foreach (var path in inputs)
        {
            var input = File.ReadAllBytes(path);
            var repairedCrcs = PngChecksums.Repair(input);
            var repairs = repairedCrcs == 0 ? "" : $" ({repairedCrcs} PNG CRCs repaired)";

            var stopwatch = Stopwatch.StartNew();
            var (finished, outcome, exception) = RunWithTimeout(target, input);
            if (finished && exception is null)
            {
                Console.WriteLine($"{path}: {outcome}{repairs} ({stopwatch.ElapsedMilliseconds} ms)");
                continue;
            }

            findings++;
            Console.WriteLine(finished
                ? $"{path}: FINDING after {stopwatch.ElapsedMilliseconds} ms{repairs}{Environment.NewLine}{exception}"
                : $"{path}: FINDING, a hang: still running after {HangTimeout.TotalSeconds} s{repairs}");

            // The bytes the decoder saw, ready to embed in a regression test.
            Console.WriteLine($"input as decoded, base64: {Convert.ToBase64String(input)}");
        }

        Console.WriteLine($"{inputs.Count} inputs, {findings} findings");
        return findings == 0 ? 0 : 1;
    }

    /// <summary>
    /// Runs the input on its own thread, so that a hang is reported instead of hanging this
    /// command. A hung thread cannot be stopped; as a background thread it ends with the process.
    /// </summary>
    private static (bool Finished, string? Outcome, Exception? Exception) RunWithTimeout(ImageToTensorTarget target, byte[] input)
    {
        string? outcome = null;
        Exception? exception = null;
        var worker = new Thread(() =>
        {
            try
            {
                outcome = target.Run(input);
            }
            catch (Exception escaped)
            {
                exception = escaped;
            }
        })
        {
            IsBackground = true,
        };
        worker.Start();
        return worker.Join(HangTimeout) ? (true, outcome, exception) : (false, null, null);
    }

    private static IEnumerable<string> Expand(string fileOrDirectory) =>
        Directory.Exists(fileOrDirectory)
            ? Directory.EnumerateFiles(fileOrDirectory)
                .Where(path => Path.GetFileName(path) != AflReadme)
                .Order(StringComparer.Ordinal)
            : [fileOrDirectory];
}
