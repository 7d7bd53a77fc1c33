using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Autoencoder.Core;
using static Autoencoder.Api.Tests.HttpExtensions;

namespace Autoencoder.Api.Tests.Endpoints;

public sealed class BulkTests(AutoencoderApiFactory factory) : IClassFixture<AutoencoderApiFactory>
{
    private static readonly byte[] T10kGzip = File.ReadAllBytes(Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz"));

    private readonly HttpClient client = factory.CreateClient();

    [Fact]
    public async Task EncodingTheWholeT10kFileGivesEveryDigitsLatentAsJson()
    {
        using var response = await client.PostAsync("/encode", Raw(T10kGzip, "application/x-idx"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.JsonAsync();
        Assert.Equal(10_000, body.GetProperty("count").GetInt32());
        var latents = body.GetProperty("latents");
        Assert.Equal(10_000, latents.GetArrayLength());
        using var onnx = new DirectOnnx();
        foreach (var index in new[] { 0, 1, 255, 256, 9_999 })
        {
            Assert.Equal(onnx.Encode(Digits.ModelInput(index)), latents[index].Floats());
        }
    }

    [Fact]
    public async Task AnUncompressedIdxFileAsNpyGivesTheSameLatentsAsFloat32()
    {
        using var json = await client.PostAsync("/encode", Raw(T10kGzip, "application/x-idx"));
        using var npy = await client.PostAsync("/encode", Raw(Gunzip(T10kGzip), "application/x-idx"), "application/x-npy");

        Assert.Equal(HttpStatusCode.OK, npy.StatusCode);
        Assert.Equal("application/x-npy", npy.Content.Headers.ContentType?.MediaType);
        var (shape, values) = ReadNpy(await npy.Content.ReadAsByteArrayAsync());
        Assert.Equal("(10000, 20)", shape);
        var expected = (await json.JsonAsync()).GetProperty("latents").EnumerateArray().SelectMany(row => row.Floats()).ToArray();
        Assert.Equal(expected, values);
    }

    [Fact]
    public async Task DecodingABatchOfLatentsGivesAnIdxFileOrAPngGridOrPixels()
    {
        using var onnx = new DirectOnnx();
        var latents = Enumerable.Range(0, 3).Select(i => onnx.Encode(Digits.ModelInput(i))).ToArray();
        var expected = latents.Select(onnx.Decode).ToArray();

        using var idx = await client.PostAsJsonAsync("/decode", latents);
        using var png = await client.PostAsync("/decode", JsonContent.Create(latents), "image/png");
        using var json = await client.PostAsync("/decode", JsonContent.Create(latents), "application/json");

        Assert.Equal("application/x-idx", idx.Content.Headers.ContentType?.MediaType);
        var file = await idx.Content.ReadAsByteArrayAsync();
        Assert.Equal([0x803, 3, 28, 28], Enumerable.Range(0, 4).Select(i => BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(i * 4))));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(expected[i].Select(Quantise), file.AsSpan(16 + (i * 784), 784).ToArray());
        }

        var grid = Digits.Decode(await png.Content.ReadAsByteArrayAsync());
        Assert.Equal((56, 56), (grid.Width, grid.Height));
        Assert.Equal(expected[2].Select(Quantise).Take(28), grid.Pixels.AsSpan(28 * 56, 28).ToArray());

        var images = (await json.JsonAsync()).GetProperty("images");
        Assert.Equal(expected[1], images[1].Floats());
    }

    [Fact]
    public async Task DecodeTakesANpyMatrixOfLatents()
    {
        using var onnx = new DirectOnnx();
        var latents = Enumerable.Range(0, 2).Select(i => onnx.Encode(Digits.ModelInput(i))).ToArray();

        using var response = await client.PostAsync("/decode", Raw(WriteNpy(latents), "application/x-npy"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var file = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(onnx.Decode(latents[1]).Select(Quantise), file.AsSpan(16 + 784, 784).ToArray());
    }

    [Theory]
    [InlineData("wrong image size")]
    [InlineData("truncated")]
    [InlineData("not idx")]
    [InlineData("not gzip")]
    public async Task ABrokenIdxFileIsABadRequest(string broken)
    {
        var raw = Gunzip(T10kGzip);
        var body = broken switch
        {
            "wrong image size" => Idx(count: 2, rows: 10, columns: 10),
            "truncated" => raw[..(raw.Length - 100)],
            "not idx" => Encoding.UTF8.GetBytes("hello, this is not an IDX file at all"),
            _ => [0x1f, 0x8b, 0x08, 0, 1, 2, 3, 4, 5, 6, 7],
        };

        using var response = await client.PostAsync("/encode", Raw(body, "application/x-idx"));

        await response.AssertProblemAsync(400, broken switch
        {
            "wrong image size" => "holds 10x10 images; this model takes 28x28",
            "truncated" => "truncated",
            "not idx" => "Not a valid IDX image file: magic number 0x68656c6c",
            _ => "not valid gzip",
        });
    }

    [Fact]
    public async Task ABadNpyIsABadRequest()
    {
        using var wrongWidth = await client.PostAsync("/decode", Raw(WriteNpy([[1f, 2f, 3f]]), "application/x-npy"));
        using var garbage = await client.PostAsync("/decode", Raw(Encoding.UTF8.GetBytes("numbers"), "application/x-npy"));

        await wrongWidth.AssertProblemAsync(400, "must have 20 numbers");
        await garbage.AssertProblemAsync(400, "Not a .npy file");
    }

    [Fact]
    public async Task MoreImagesThanAllowedIsTooLarge()
    {
        using var limited = new ConfiguredApiFactory(new Dictionary<string, string?> { ["Limits:MaxBulkImages"] = "100" });
        using var limitedClient = limited.CreateClient();

        using var response = await limitedClient.PostAsync("/encode", Raw(T10kGzip, "application/x-idx"));

        await response.AssertProblemAsync(413, "declares 10000 images; a request may hold 1 to 100");
    }

    private static byte Quantise(float value) => PixelValues.ToByte(value);

    private static byte[] Gunzip(byte[] gzip)
    {
        using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] Idx(int count, int rows, int columns)
    {
        var file = new byte[16 + (count * rows * columns)];
        BinaryPrimitives.WriteInt32BigEndian(file, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(12), columns);
        return file;
    }

    /// <summary>A float32 .npy as NumPy writes it (version 1.0, header padded to 64 bytes).</summary>
    private static byte[] WriteNpy(float[][] rows)
    {
        var dictionary = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows.Length}, {rows[0].Length}), }}";
        var headerLength = ((10 + dictionary.Length + 1 + 63) / 64 * 64) - 10;
        using var file = new MemoryStream();
        file.Write([0x93, .. "NUMPY"u8, 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)headerLength));
        file.Write(Encoding.ASCII.GetBytes(dictionary.PadRight(headerLength - 1) + "\n"));
        foreach (var value in rows.SelectMany(row => row))
        {
            file.Write(BitConverter.GetBytes(value));
        }

        return file.ToArray();
    }

    private static (string Shape, float[] Values) ReadNpy(byte[] file)
    {
        Assert.Equal([0x93, .. "NUMPY"u8], file[..6]);
        var headerLength = BitConverter.ToUInt16(file, 8);
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(file, 10, headerLength);
        Assert.Contains("'descr': '<f4'", header, StringComparison.Ordinal);
        var shape = header[(header.IndexOf("'shape': ", StringComparison.Ordinal) + 9)..(header.IndexOf(')', StringComparison.Ordinal) + 1)];
        var data = file.AsSpan(10 + headerLength);
        var values = new float[data.Length / 4];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BitConverter.ToSingle(data.Slice(i * 4, 4));
        }

        return (shape, values);
    }
}
