using System.Globalization;
using System.Text;
using Autoencoder.Core;

namespace Autoencoder.Api.Inference;

/// <summary>How a version folder's model files are on disk now: whether they are all there, their fingerprint, and their last write.</summary>
/// <param name="Fingerprint">Each file's name, size and last write: equal fingerprints, unchanged files.</param>
/// <param name="LastWrite">The newest last write among them.</param>
/// <param name="Missing">A required file that is not there, or null when none is missing.</param>
public readonly record struct FilesOnDisk(string Fingerprint, DateTime LastWrite, string? Missing)
{
    public bool Complete => Missing is null;
}

/// <summary>
/// A version folder's model files read into memory: model.json, encoder.onnx, decoder.onnx and the optional
/// latent-map.json. A model is loaded from these bytes, never from the folder, so what is loaded is exactly what was
/// checked: files that change while they are read (a copy still running) are refused.
/// </summary>
public sealed class ModelFiles
{
    private static readonly string[] Required = [ModelManifest.FileName, ModelManifest.EncoderFileName, ModelManifest.DecoderFileName];

    private static readonly string[] Served = [.. Required, Core.LatentMap.FileName];

    private ModelFiles(string directory, string fingerprint, string manifest, byte[] encoder, byte[] decoder, string? latentMap)
    {
        Directory = directory;
        Fingerprint = fingerprint;
        Manifest = manifest;
        Encoder = encoder;
        Decoder = decoder;
        LatentMap = latentMap;
    }

    public string Directory { get; }

    /// <summary>The files' <see cref="FilesOnDisk.Fingerprint"/> when they were read.</summary>
    public string Fingerprint { get; }

    /// <summary>model.json's text.</summary>
    public string Manifest { get; }

    public byte[] Encoder { get; }

    public byte[] Decoder { get; }

    /// <summary>latent-map.json's text, or null without one.</summary>
    public string? LatentMap { get; }

    public string PathOf(string file) => Path.Combine(Directory, file);

    /// <summary>The served files of <paramref name="folder"/> as they are now, without reading them.</summary>
    public static FilesOnDisk Inspect(string folder)
    {
        var fingerprint = new StringBuilder();
        var lastWrite = DateTime.MinValue;
        string? missing = null;
        foreach (var name in Served)
        {
            var file = new FileInfo(Path.Combine(folder, name));
            if (!file.Exists)
            {
                missing ??= Required.Contains(name) ? name : null;
                continue;
            }

            var written = file.LastWriteTimeUtc;
            lastWrite = written > lastWrite ? written : lastWrite;
            fingerprint.Append(CultureInfo.InvariantCulture, $"{name}:{file.Length}:{written.Ticks};");
        }

        return new FilesOnDisk(fingerprint.ToString(), lastWrite, missing);
    }

    /// <summary>
    /// Reads the folder's files; a missing one, or files that changed while they were read, is a
    /// <see cref="ModelLoadException"/> naming it.
    /// </summary>
    public static ModelFiles Read(string folder)
    {
        var before = Inspect(folder);
        if (before.Missing is { } missing)
        {
            throw new ModelLoadException(Path.Combine(folder, missing), "file not found");
        }

        var latentMapPath = Path.Combine(folder, Core.LatentMap.FileName);
        ModelFiles files;
        try
        {
            files = new ModelFiles(
                folder,
                before.Fingerprint,
                File.ReadAllText(Path.Combine(folder, ModelManifest.FileName)),
                File.ReadAllBytes(Path.Combine(folder, ModelManifest.EncoderFileName)),
                File.ReadAllBytes(Path.Combine(folder, ModelManifest.DecoderFileName)),
                File.Exists(latentMapPath) ? File.ReadAllText(latentMapPath) : null);
        }
        catch (IOException e)
        {
            throw new ModelLoadException(folder, $"its files could not be read ({e.Message})");
        }

        return Inspect(folder).Fingerprint == before.Fingerprint
            ? files
            : throw new ModelLoadException(folder, "its files changed while they were read (still being written?)");
    }
}
