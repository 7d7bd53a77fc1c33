using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Autoencoder.Api.Errors;

namespace Autoencoder.Api.Formats;

/// <summary>
/// NumPy's .npy format (version 1.0) for matrices of latents and arrays of images: a magic string, a little header
/// that is a Python dict literal (dtype, order, shape), then the numbers. Written as little-endian float32; read as
/// float32 or float64.
/// </summary>
public static partial class Npy
{
    public const string MediaType = "application/x-npy";

    /// <summary>The longest preamble (magic, version, length and header) read before an array's shape is known.</summary>
    public const int MaxPreambleBytes = 64 * 1024;

    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The header for a C-order little-endian float32 matrix; the data follows it.</summary>
    public static byte[] Header(int rows, int columns) => Header([rows, columns]);

    /// <summary>The header for a C-order little-endian float32 array of <paramref name="shape"/>; the data follows it.</summary>
    public static byte[] Header(ReadOnlySpan<int> shape)
    {
        var dimensions = string.Join(", ", shape.ToArray().Select(length => length.ToString(CultureInfo.InvariantCulture)));
        var dictionary = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dimensions}), }}";

        // The whole preamble is padded with spaces to a multiple of 64 bytes and ends in a newline, as NumPy writes it.
        var unpadded = Magic.Length + 2 + 2 + dictionary.Length + 1;
        var padded = (unpadded + 63) / 64 * 64;
        var text = dictionary + new string(' ', padded - unpadded) + "\n";
        var header = new byte[padded];
        Magic.CopyTo(header, 0);
        header[6] = 1;
        header[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)text.Length);
        Encoding.ASCII.GetBytes(text, header.AsSpan(10));
        return header;
    }

    /// <summary>Values as the little-endian float32 data that follows a <see cref="Header(ReadOnlySpan{int})"/>.</summary>
    public static void WriteValues(ReadOnlySpan<float> values, Span<byte> destination)
    {
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination[(i * sizeof(float))..], values[i]);
        }
    }

    /// <summary>A 2-D float32 or float64 C-order array as float32 rows.</summary>
    public static float[] ReadMatrix(ReadOnlySpan<byte> file, out int rows, out int columns)
    {
        var header = ReadHeader(file, "a 2-D 'shape' (rows, columns)");
        if (header.Shape.Length != 2)
        {
            throw ClientInputException.Invalid("The .npy header must give 'descr' '<f4' or '<f8', C order and a 2-D 'shape' (rows, columns).");
        }

        (rows, columns) = (header.Shape[0], header.Shape[1]);
        var data = file[header.DataStart..];
        if (data.Length != (long)rows * columns * header.ValueBytes)
        {
            throw ClientInputException.Invalid($"The .npy header says {rows}x{columns} of {header.ValueBytes}-byte numbers ({(long)rows * columns * header.ValueBytes} bytes) but {data.Length} follow.");
        }

        var values = new float[rows * columns];
        ReadValues(data, header.ValueBytes, values);
        return values;
    }

    /// <summary>
    /// Reads a .npy preamble from the start of <paramref name="file"/> (which may be only its first bytes): the array's
    /// shape, its numbers' width (4 or 8) and where they start.
    /// </summary>
    /// <param name="file">The file, or at least its preamble.</param>
    /// <param name="shapeWanted">What the shape must be, as a refusal says it.</param>
    public static NpyHeader ReadHeader(ReadOnlySpan<byte> file, string shapeWanted)
    {
        if (file.Length < 10 || !file[..6].SequenceEqual(Magic))
        {
            throw ClientInputException.Invalid("Not a .npy file: it must start with \\x93NUMPY.");
        }

        var (headerLength, dataStart) = file[6] switch
        {
            1 => (BinaryPrimitives.ReadUInt16LittleEndian(file[8..]), 10),
            2 or 3 when file.Length >= 12 => ((int)BinaryPrimitives.ReadUInt32LittleEndian(file[8..]), 12),
            _ => throw ClientInputException.Invalid($".npy version {file[6]} is not supported; send version 1, 2 or 3."),
        };
        if (headerLength < 0 || (long)dataStart + headerLength > file.Length)
        {
            throw ClientInputException.Invalid("The .npy header is longer than the file.");
        }

        var header = Encoding.Latin1.GetString(file.Slice(dataStart, headerLength));
        var descr = DescrPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !shape.Success || header.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw ClientInputException.Invalid($"The .npy header must give 'descr' '<f4' or '<f8', C order and {shapeWanted}.");
        }

        int[] dimensions = [.. shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(length => int.Parse(length, CultureInfo.InvariantCulture))];
        return new NpyHeader(dimensions, descr.Groups[1].Value == "f4" ? 4 : 8, dataStart + headerLength);
    }

    /// <summary>Little-endian float32 or float64 numbers (<paramref name="valueBytes"/> 4 or 8) as float32.</summary>
    public static void ReadValues(ReadOnlySpan<byte> data, int valueBytes, Span<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = valueBytes == 4
                ? BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..])
                : (float)BinaryPrimitives.ReadDoubleLittleEndian(data[(i * 8)..]);
        }
    }

    [GeneratedRegex(@"'descr':\s*'<(f4|f8)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(((?:\s*\d{1,9}\s*,)*(?:\s*\d{1,9}\s*)?)\)")]
    private static partial Regex ShapePattern();
}

/// <summary>What a .npy preamble says: the array's shape, its numbers' width in bytes (4 or 8), and where they start.</summary>
public sealed record NpyHeader(int[] Shape, int ValueBytes, int DataStart);
