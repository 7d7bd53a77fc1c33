using System.Globalization;
using System.Security.Cryptography;

namespace Autoencoder.Training.Data;

/// <summary>
/// Fetches the four gzip files of an MNIST-format data set from a base URL into a folder, checking each
/// file's SHA-256 before it is used. Files already present with the right digest are not fetched again.
/// </summary>
internal sealed class MnistDownloader(HttpClient http, TextWriter progress)
{
    /// <summary>The mirror TensorFlow's and PyTorch's loaders use for the original LeCun files.</summary>
    public static Uri DefaultBaseUrl { get; } = new("https://storage.googleapis.com/cvdf-datasets/mnist/");

    /// <summary>SHA-256 of the original MNIST distribution's gzip files.</summary>
    public static IReadOnlyDictionary<string, string> OriginalChecksums { get; } = new Dictionary<string, string>
    {
        ["train-images-idx3-ubyte.gz"] = "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        ["train-labels-idx1-ubyte.gz"] = "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        ["t10k-images-idx3-ubyte.gz"] = "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        ["t10k-labels-idx1-ubyte.gz"] = "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    };

    /// <summary>Reads digests in sha256sum's format: "&lt;hex&gt;  &lt;file name&gt;" per line.</summary>
    public static IReadOnlyDictionary<string, string> ReadChecksumFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new DataFileException(path, "checksum file not found");
        }

        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            if (parts.Length != 2 || parts[0].Length != 64 || !parts[0].All(Uri.IsHexDigit))
            {
                throw new DataFileException(path, $"not a sha256sum line: '{line}'");
            }

            digests[Path.GetFileName(parts[1].TrimStart('*'))] = parts[0].ToLowerInvariant();
        }

        return digests;
    }

    public async Task DownloadAsync(Uri baseUrl, string directory, IReadOnlyDictionary<string, string> checksums, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        foreach (var fileName in MnistFiles.All.Select(name => name + ".gz"))
        {
            if (!checksums.TryGetValue(fileName, out var expected))
            {
                throw new DataFileException(fileName, "no SHA-256 is known for this file, so it cannot be verified");
            }

            var target = Path.Combine(directory, fileName);
            if (File.Exists(target) && await Sha256Async(target, cancellationToken) == expected)
            {
                progress.WriteLine($"{fileName}: present, checksum ok");
                continue;
            }

            var source = new Uri(baseUrl, fileName);
            progress.WriteLine($"{fileName}: downloading {source}");
            var partial = target + ".partial";
            try
            {
                using (var response = await http.GetAsync(source, HttpCompletionOption.ResponseHeadersRead, cancellationToken))
                {
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new DataFileException(source.ToString(), $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                    }

                    await using var file = File.Create(partial);
                    await response.Content.CopyToAsync(file, cancellationToken);
                }

                var actual = await Sha256Async(partial, cancellationToken);
                if (actual != expected)
                {
                    throw new DataFileException(source.ToString(), $"SHA-256 mismatch: got {actual}, expected {expected}");
                }

                File.Move(partial, target, overwrite: true);
                progress.WriteLine($"{fileName}: checksum ok");
            }
            catch (HttpRequestException e)
            {
                throw new DataFileException(source.ToString(), $"download failed ({e.Message})");
            }
            finally
            {
                File.Delete(partial);
            }
        }
    }

    private static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        var hash = await SHA256.HashDataAsync(stream, cancellationToken);
        return Convert.ToHexString(hash).ToLower(CultureInfo.InvariantCulture);
    }
}
