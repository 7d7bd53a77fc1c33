using System.Buffers.Binary;
using System.IO.Hashing;

namespace Autoencoder.Fuzz.Images;

/// <summary>Rewrites the CRC of every whole chunk in a PNG file to match the chunk's type and data.</summary>
/// <remarks>
/// The decoder refuses a chunk whose CRC does not match, so without this nearly every mutation
/// afl-fuzz makes inside a PNG would stop at the CRC check and never reach the code behind it.
/// A client computes CRCs as easily as we do: repaired inputs are inputs the service can receive.
/// </remarks>
internal static class PngChecksums
{
    // Length and type before the data, CRC after it.
    private const int ChunkOverhead = 12;

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Repairs the CRCs in place; a chunk that runs past the end, and what follows it, stays as it is.</summary>
    /// <returns>How many CRCs were rewritten: 0 for a file that is not a PNG.</returns>
    public static int Repair(Span<byte> file)
    {
        if (!file.StartsWith(Signature))
        {
            return 0;
        }

        var repaired = 0;
        var offset = Signature.Length;
        while (file.Length - offset >= ChunkOverhead)
        {
            var dataLength = BinaryPrimitives.ReadUInt32BigEndian(file[offset..]);
            if (dataLength > (uint)(file.Length - offset - ChunkOverhead))
            {
                break;
            }

            var typeAndData = file.Slice(offset + 4, 4 + (int)dataLength);
            var storedCrc = file.Slice(offset + 8 + (int)dataLength, 4);
            var crc = Crc32.HashToUInt32(typeAndData);
            if (BinaryPrimitives.ReadUInt32BigEndian(storedCrc) != crc)
            {
                BinaryPrimitives.WriteUInt32BigEndian(storedCrc, crc);
                repaired++;
            }

            offset += ChunkOverhead + (int)dataLength;
        }

        return repaired;
    }
}
