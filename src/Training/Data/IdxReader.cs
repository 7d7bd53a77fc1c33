using Autoencoder.Core;

namespace Autoencoder.Training.Data;

/// <summary>
/// Reads the IDX files MNIST and Fashion-MNIST ship in, gzip-compressed or raw, with the format's one reader
/// (<see cref="Idx"/>). Counts and sizes come from the header; any disagreement between header and content is a
/// <see cref="DataFileException"/> naming the file.
/// </summary>
internal static class IdxReader
{
    public static ImageStack ReadImages(string path)
    {
        var (header, pixels) = Read(path, Idx.ReadImages);
        return ImageStack.Gray(header.Count, header.Rows, header.Columns, pixels);
    }

    public static byte[] ReadLabels(string path) => Read(path, Idx.ReadLabels);

    private static T Read<T>(string path, Func<byte[], T> read)
    {
        if (!File.Exists(path))
        {
            throw new DataFileException(path, "file not found");
        }

        try
        {
            return read(Idx.Decompress(File.ReadAllBytes(path)));
        }
        catch (InvalidDataException e)
        {
            throw new DataFileException(path, e.Message);
        }
    }
}
