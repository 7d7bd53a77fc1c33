using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Autoencoder.Api.Errors;

namespace Autoencoder.Api.Formats;

/// <summary>
/// NumPy's .npy format (version 1.0) for matrices of latents: a magic string, a little header that is a Python
/// dict literal (dtype, order, shape), then the numbers. Written as little-endian float32; read as float32 or float64.
/// </summary>
public static partial class Npy
{
    public const string MediaType = "application/x-npy";
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The header for a C-order little-endian float32 matrix; the data follows it.</summary>
    public static byte[] Header(int rows, int columns)
    {
        var dictionary = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}");

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

    /// <summary>Values as the little-endian float32 data that follows a <see cref="Header"/>.</summary>
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
        if (dataStart + headerLength > file.Length)
        {
            throw ClientInputException.Invalid("The .npy header is longer than the file.");
        }

        var header = Encoding.Latin1.GetString(file.Slice(dataStart, headerLength));
        var descr = DescrPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !shape.Success || header.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw ClientInputException.Invalid("The .npy header must give 'descr' '<f4' or '<f8', C order and a 2-D 'shape' (rows, columns).");
        }

        rows = int.Parse(shape.Groups[1].Value, CultureInfo.InvariantCulture);
        columns = int.Parse(shape.Groups[2].Value, CultureInfo.InvariantCulture);
        var width = descr.Groups[1].Value == "f4" ? 4 : 8;
        var data = file[(dataStart + headerLength)..];
        if (data.Length != (long)rows * columns * width)
        {
            throw ClientInputException.Invalid($"The .npy header says {rows}x{columns} of {width}-byte numbers ({(long)rows * columns * width} bytes) but {data.Length} follow.");
        }

        var values = new float[rows * columns];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = width == 4
                ? BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..])
                : (float)BinaryPrimitives.ReadDoubleLittleEndian(data[(i * 8)..]);
        }

        return values;
    }

    [GeneratedRegex(@"'descr':\s*'<(f4|f8)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(\s*(\d{1,9})\s*,\s*(\d{1,9})\s*,?\s*\)")]
    private static partial Regex ShapePattern();
}
