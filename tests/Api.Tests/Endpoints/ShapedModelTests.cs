using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Autoencoder.Api.Formats;
using Autoencoder.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Autoencoder.Api.Tests.Endpoints;

/// <summary>
/// Models whose images are not MNIST's, served beside the bundled ones: a colour model (3 x 8 x 10, RGB), the same
/// with its planes in BGR order, and a gray one 20 wide and 12 high. They are identity autoencoders, so every answer's
/// pixels are the input's, and colours and channel order are asserted exactly.
/// </summary>
public sealed class ShapedModelTests(ShapedModelsFactory factory) : IClassFixture<ShapedModelsFactory>
{
    private static readonly Rgb24 Red = new(255, 0, 0);
    private static readonly Rgb24 Green = new(0, 255, 0);
    private static readonly Rgb24 Blue = new(0, 0, 255);

    private static readonly ImageShape Colour = ShapedModels.Colour;
    private static readonly ImageShape WideGray = ShapedModels.WideGray;

    [Fact]
    public async Task APureRedPictureIsReconstructedPureRedAsAnRgbPng()
    {
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/reconstruct?model=colour", HttpExtensions.Raw(IdentityModels.Picture(Colour, Red), "image/png"));

        using var image = await AssertRgbPngAsync(response, Colour.Width, Colour.Height);
        AssertEvery(image, Red);
    }

    [Fact]
    public async Task ALargerPictureIsFittedInColourAndTransparencyIsWhite()
    {
        // 40 x 32 with the model's aspect: a red left half, a blue right half, and a transparent band at the top.
        using var picture = new Image<Rgba32>(40, 32);
        picture.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    row[x] = y < 8 ? new Rgba32(0, 0, 0, 0) : x < 20 ? new Rgba32(255, 0, 0) : new Rgba32(0, 0, 255);
                }
            }
        });
        using var stream = new MemoryStream();
        await picture.SaveAsPngAsync(stream);
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/reconstruct?model=colour", HttpExtensions.PngForm("image", stream.ToArray()));

        using var image = await AssertRgbPngAsync(response, 10, 8);
        Assert.Equal(new Rgb24(255, 255, 255), image[5, 0]);
        Assert.Equal(Red, image[1, 6]);
        Assert.Equal(Blue, image[8, 6]);
    }

    [Fact]
    public async Task AColourPhotoIsTurnedUprightByItsExifOrientation()
    {
        // Upright 100 x 80: red above, blue below; stored turned as a camera writes orientation 6.
        using var upright = new Image<Rgba32>(100, 80);
        upright.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                rows.GetRowSpan(y).Fill(y < 40 ? new Rgba32(255, 0, 0) : new Rgba32(0, 0, 255));
            }
        });
        using var stored = upright.Clone(context => context.Rotate(RotateMode.Rotate270));
        stored.Metadata.ExifProfile = new ExifProfile();
        stored.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        using var jpeg = new MemoryStream();
        await stored.SaveAsJpegAsync(jpeg, new JpegEncoder { Quality = 95 });
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/reconstruct?model=colour", HttpExtensions.Raw(jpeg.ToArray(), "image/jpeg"));

        using var image = await AssertRgbPngAsync(response, 10, 8);
        Assert.True(image[5, 1].R > 200 && image[5, 1].B < 60, $"top: {image[5, 1]}");
        Assert.True(image[5, 6].B > 200 && image[5, 6].R < 60, $"bottom: {image[5, 6]}");
    }

    [Fact]
    public async Task APictureOfAnotherSizeIsRefusedByAColourModelWithoutPreparation()
    {
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/encode?model=colour-bgr", HttpExtensions.PngForm("image", IdentityModels.Picture(new ImageShape(3, 9, 10), Red)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("10x8", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGrayModelTakesANpyArrayAsItTakesAnIdxFile()
    {
        var idx = TestData.IdxFile(Path.Combine(TestData.Mnist, "t10k-images-idx3-ubyte.gz"), 3);
        var values = PixelValues.ToUnit(idx.AsSpan(Idx.ImageHeaderLength));
        using var client = factory.CreateClient();

        using var fromIdx = await client.PostAsync("/encode?model=mnist", HttpExtensions.Raw(idx, Idx.MediaType));
        using var fromNpy = await client.PostAsync("/encode?model=mnist", HttpExtensions.Raw(NpyFile(values, 3, 1, 28, 28), Npy.MediaType));

        Assert.Equal(HttpStatusCode.OK, fromNpy.StatusCode);
        Assert.Equal(await fromIdx.Content.ReadAsStringAsync(), await fromNpy.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task LatentsHoldThePlanesInTheOrderModelJsonNames()
    {
        using var client = factory.CreateClient();
        var plane = Colour.PlaneSize;

        var rgb = (await (await client.PostAsync("/encode?model=colour", HttpExtensions.PngForm("image", IdentityModels.Picture(Colour, Red)))).JsonAsync()).GetProperty("latent").Floats();
        var bgr = (await (await client.PostAsync("/encode?model=colour-bgr", HttpExtensions.PngForm("image", IdentityModels.Picture(Colour, Red)))).JsonAsync()).GetProperty("latent").Floats();

        Assert.Equal(3 * plane, rgb.Length);
        Assert.All(rgb[..plane], value => Assert.Equal(1f, value));
        Assert.All(rgb[plane..], value => Assert.Equal(0f, value));
        Assert.All(bgr[..(2 * plane)], value => Assert.Equal(0f, value));
        Assert.All(bgr[(2 * plane)..], value => Assert.Equal(1f, value));

        // The BGR model's red latent decodes back to red: planes are read back in the same order.
        using var decoded = await client.PostAsJsonAsync("/decode?model=colour-bgr", new { latent = bgr });
        using var image = await AssertRgbPngAsync(decoded, 10, 8);
        AssertEvery(image, Red);
    }

    [Fact]
    public async Task DecodeAnswersAColourPngOrItsChannelsAsJson()
    {
        using var client = factory.CreateClient();
        var latent = Planes(Colour, Green);

        using var png = await client.PostAsJsonAsync("/decode?model=colour", new { latent });
        using var json = await client.PostAsync("/decode?model=colour", JsonContent.Create(new { latent }), "application/json");

        using var image = await AssertRgbPngAsync(png, 10, 8);
        AssertEvery(image, Green);
        var answer = await json.JsonAsync();
        Assert.Equal((10, 8, 3), (answer.GetProperty("width").GetInt32(), answer.GetProperty("height").GetInt32(), answer.GetProperty("channels").GetInt32()));
        Assert.Equal(latent, answer.GetProperty("pixels").Floats());
    }

    [Fact]
    public async Task AnInterpolationStripBlendsColours()
    {
        using var client = factory.CreateClient();
        using var form = HttpExtensions.Form(("first", IdentityModels.Picture(Colour, Red), "image/png"), ("second", IdentityModels.Picture(Colour, Blue), "image/png"));

        using var response = await client.PostAsync("/interpolate?model=colour&steps=1", form);

        using var strip = await AssertRgbPngAsync(response, 30, 8);
        Assert.Equal(Red, strip[0, 0]);
        Assert.Equal(new Rgb24(128, 0, 128), strip[15, 4]);
        Assert.Equal(Blue, strip[29, 7]);
    }

    [Fact]
    public async Task TheHeatMapOfAColourImageShowsItAndItsErrorOverIt()
    {
        using var client = factory.CreateClient();

        using var heat = await client.PostAsync("/score?model=colour", HttpExtensions.PngForm("image", IdentityModels.Picture(Colour, Green)), "image/png");
        using var score = await client.PostAsync("/score?model=colour", HttpExtensions.PngForm("image", IdentityModels.Picture(Colour, Green)), "application/json");

        // Panels of 10 x 8 enlarged 14 times, 4 apart: input, reconstruction, and no error over the picture at half.
        using var image = await AssertRgbPngAsync(heat, (3 * 140) + 8, 112);
        Assert.Equal(Green, image[0, 0]);
        Assert.Equal(Green, image[144 + 139, 111]);
        Assert.Equal(new Rgb24(0, 128, 0), image[288 + 70, 50]);
        Assert.Equal(0, (await score.JsonAsync()).GetProperty("meanSquaredError").GetDouble());
    }

    [Fact]
    public async Task DenoiseAddsNoiseToEachChannel()
    {
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/denoise?model=colour&noise=gaussian:0.3&seed=7", HttpExtensions.PngForm("image", IdentityModels.Picture(Colour, Red)), "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.JsonAsync();
        var noisyPng = Convert.FromBase64String(answer.GetProperty("noisy").GetString()!);
        using var noisy = Image.Load<Rgb24>(noisyPng);
        Assert.Equal(2, noisyPng[25]);

        // Green and blue start at 0 and are noised apart from each other; the identity model gives the noisy image back.
        Assert.Contains(Pixels(noisy), pixel => pixel.G != pixel.B);
        Assert.Contains(Pixels(noisy), pixel => pixel.R < 255);
        Assert.Equal(answer.GetProperty("noisy").GetString(), answer.GetProperty("image").GetString());
    }

    [Fact]
    public async Task GenerateDrawsColourImages()
    {
        using var client = factory.CreateClient();

        using var grid = await client.PostAsync("/generate?model=colour&count=4&seed=3", null);
        using var array = await client.PostAsync("/generate?model=colour&count=4&seed=3", new ByteArrayContent([]), Npy.MediaType);

        using var image = await AssertRgbPngAsync(grid, 20, 16);
        var pixels = Pixels(image);
        Assert.All(pixels, pixel => Assert.InRange(pixel.R, 40, 215));
        Assert.Contains(pixels, pixel => pixel.R != pixel.G || pixel.G != pixel.B);
        var (shape, values) = ReadNpy(await array.Content.ReadAsByteArrayAsync());
        Assert.Equal([4, 3, 8, 10], shape);
        Assert.All(values, value => Assert.InRange(value, 0.15f, 0.85f));
    }

    [Fact]
    public async Task TheLatentMapsExamplesAreThePicturesOfTheModel()
    {
        using var client = factory.CreateClient();

        var map = await (await client.GetAsync("/models/colour/latent-map")).JsonAsync();

        var png = Convert.FromBase64String(map.GetProperty("examples")[0].GetProperty("image").GetString()!);
        Assert.Equal(2, png[25]);
        using var image = Image.Load<Rgb24>(png);
        Assert.Equal((10, 8), (image.Width, image.Height));
        AssertEvery(image, Red);
    }

    [Fact]
    public async Task ModelsSayTheirImageShape()
    {
        using var client = factory.CreateClient();

        var colour = await (await client.GetAsync("/models/colour-bgr")).JsonAsync();
        var wide = await (await client.GetAsync("/models/wide")).JsonAsync();

        Assert.Equal("""{"channels":3,"height":8,"width":10,"channelOrder":"BGR"}""", colour.GetProperty("image").GetRawText());
        Assert.Equal("""{"channels":1,"height":12,"width":20}""", wide.GetProperty("image").GetRawText());
    }

    [Fact]
    public async Task AGrayModelOfAnotherSizeAnswersPngsOfItsSize()
    {
        // 20 x 12, dark with a light block: already the model's size and dark, so taken as prepared.
        var pixels = new byte[WideGray.PixelCount];
        for (var y = 3; y < 9; y++)
        {
            pixels.AsSpan((y * 20) + 4, 9).Fill(230);
        }

        using var picture = Image.LoadPixelData<L8>(pixels, 20, 12);
        using var stream = new MemoryStream();
        await picture.SaveAsPngAsync(stream);
        using var client = factory.CreateClient();

        using var reconstruction = await client.PostAsync("/reconstruct?model=wide", HttpExtensions.PngForm("image", stream.ToArray()));
        using var generated = await client.PostAsync("/generate?model=wide&count=2&seed=1", null);

        var (width, height, gray) = Digits.Decode(await reconstruction.Content.ReadAsByteArrayAsync());
        Assert.Equal((20, 12), (width, height));
        Assert.Equal(pixels, gray);
        var grid = await generated.Content.ReadAsByteArrayAsync();
        Assert.Equal(0, grid[25]);
        var (gridWidth, gridHeight, _) = Digits.Decode(grid);
        Assert.Equal((40, 12), (gridWidth, gridHeight));
    }

    [Fact]
    public async Task ANpyArrayOfColourImagesIsEncodedDenoisedAndScored()
    {
        var images = new float[2 * Colour.PixelCount];
        for (var i = 0; i < images.Length; i++)
        {
            images[i] = (i % 97) / 96f;
        }

        var file = NpyFile(images, 2, 3, 8, 10);
        using var client = factory.CreateClient();

        using var encoded = await client.PostAsync("/encode?model=colour", HttpExtensions.Raw(file, Npy.MediaType), Npy.MediaType);
        using var denoised = await client.PostAsync("/denoise?model=colour", HttpExtensions.Raw(file, Npy.MediaType));
        using var scored = await client.PostAsync("/score?model=colour", HttpExtensions.Raw(file, Npy.MediaType));
        using var heat = await client.PostAsync("/score?model=colour", HttpExtensions.Raw(file, Npy.MediaType), "image/png");

        var (latentShape, latents) = ReadNpy(await encoded.Content.ReadAsByteArrayAsync());
        Assert.Equal([2, 240], latentShape);
        Assert.Equal(images, latents);
        Assert.Equal(Npy.MediaType, denoised.Content.Headers.ContentType?.MediaType);
        var (imageShape, outputs) = ReadNpy(await denoised.Content.ReadAsByteArrayAsync());
        Assert.Equal([2, 3, 8, 10], imageShape);
        Assert.Equal(images, outputs);
        var scores = await scored.JsonAsync();
        Assert.Equal(2, scores.GetProperty("count").GetInt32());
        Assert.All(scores.GetProperty("meanSquaredErrors").EnumerateArray(), error => Assert.Equal(0, error.GetDouble()));
        var grid = await heat.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, heat.StatusCode);
        Assert.Equal(2, grid[25]);
    }

    [Fact]
    public async Task ManyLatentsDecodeToANpyArrayOfTheirImages()
    {
        var latents = Planes(Colour, Red).Concat(Planes(Colour, Blue)).ToArray();
        using var client = factory.CreateClient();

        using var colour = await client.PostAsync("/decode?model=colour", HttpExtensions.Raw(NpyFile(latents, 2, 240), Npy.MediaType));
        using var gray = await client.PostAsync("/decode?model=wide", HttpExtensions.Raw(NpyFile(new float[3 * 240], 3, 240), Npy.MediaType), Npy.MediaType);

        // A colour model's default for many images is .npy: an IDX file cannot hold them.
        Assert.Equal(Npy.MediaType, colour.Content.Headers.ContentType?.MediaType);
        var (shape, values) = ReadNpy(await colour.Content.ReadAsByteArrayAsync());
        Assert.Equal([2, 3, 8, 10], shape);
        Assert.Equal(latents, values);
        var (grayShape, _) = ReadNpy(await gray.Content.ReadAsByteArrayAsync());
        Assert.Equal([3, 1, 12, 20], grayShape);
    }

    [Theory]
    [InlineData("/decode?model=colour", true)]
    [InlineData("/generate?model=colour&count=3&seed=1", false)]
    public async Task AskingForIdxImagesFromAColourModelIsRefusedNamingNpy(string route, bool latents)
    {
        using var client = factory.CreateClient();
        HttpContent Body() => latents ? HttpExtensions.Raw(NpyFile(Planes(Colour, Red).Concat(Planes(Colour, Blue)).ToArray(), 2, 240), Npy.MediaType) : new ByteArrayContent([]);

        using var idx = await client.PostAsync(route, Body(), Idx.MediaType);
        using var either = await client.PostAsync(route, Body(), $"{Idx.MediaType}, {Npy.MediaType};q=0.5");

        await idx.AssertProblemAsync(406, "An IDX file holds one-channel images and model 'colour' makes 3 channels: accept ");
        Assert.Equal(HttpStatusCode.OK, either.StatusCode);
        Assert.Equal(Npy.MediaType, either.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/encode?model=colour")]
    [InlineData("/score?model=colour")]
    [InlineData("/denoise?model=colour")]
    public async Task AnIdxFileForAColourModelIsRefusedNamingNpy(string route)
    {
        var file = new byte[Idx.ImageHeaderLength + (8 * 10)];
        Idx.WriteImageHeader(file, 1, 8, 10);
        using var client = factory.CreateClient();

        using var response = await client.PostAsync(route, HttpExtensions.Raw(file, Idx.MediaType));

        await response.AssertProblemAsync(415, "An IDX file holds one-channel images and model 'colour' takes 3 channels: send the images as a .npy array (Content-Type application/x-npy");
    }

    [Fact]
    public async Task ANpyArrayOfAnotherShapeIsRefused()
    {
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/encode?model=colour", HttpExtensions.Raw(NpyFile(new float[240], 1, 1, 8, 30), Npy.MediaType));

        await response.AssertProblemAsync(400, "The .npy array has shape (1, 1, 8, 30); this model takes a 4-D 'shape' (N, 3, 8, 10)");
    }

    [Fact]
    public async Task TheOpenInferenceProtocolDescribesAndRunsColourTensors()
    {
        var images = Planes(Colour, Green);
        using var client = factory.CreateClient();

        var encoder = await (await client.GetAsync("/v2/models/colour-encoder")).JsonAsync();
        var decoder = await (await client.GetAsync("/v2/models/colour-decoder")).JsonAsync();
        using var infer = await client.PostAsJsonAsync(
            "/v2/models/colour-encoder/infer", new { inputs = new[] { new { name = "image", shape = new[] { 1, 3, 8, 10 }, datatype = "FP32", data = images } } });
        using var wrong = await client.PostAsJsonAsync(
            "/v2/models/colour-encoder/infer", new { inputs = new[] { new { name = "image", shape = new[] { 1, 1, 8, 10 }, datatype = "FP32", data = new float[80] } } });

        Assert.Equal("[-1,3,8,10]", encoder.GetProperty("inputs")[0].GetProperty("shape").GetRawText());
        Assert.Equal("[-1,240]", encoder.GetProperty("outputs")[0].GetProperty("shape").GetRawText());
        Assert.Equal("[-1,3,8,10]", decoder.GetProperty("outputs")[0].GetProperty("shape").GetRawText());
        var output = (await infer.JsonAsync()).GetProperty("outputs")[0];
        Assert.Equal("[1,240]", output.GetProperty("shape").GetRawText());
        Assert.Equal(images, output.GetProperty("data").Floats());
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("it must be [-1, 3, 8, 10]", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>One image of <paramref name="shape"/> in one colour, as its RGB planes.</summary>
    internal static float[] Planes(ImageShape shape, Rgb24 colour)
    {
        var values = new float[shape.PixelCount];
        byte[] channels = [colour.R, colour.G, colour.B];
        for (var channel = 0; channel < 3; channel++)
        {
            values.AsSpan(channel * shape.PlaneSize, shape.PlaneSize).Fill(channels[channel] / 255f);
        }

        return values;
    }

    internal static byte[] NpyFile(float[] values, params int[] shape)
    {
        var header = Npy.Header(shape);
        var file = new byte[header.Length + (values.Length * sizeof(float))];
        header.CopyTo(file, 0);
        Npy.WriteValues(values, file.AsSpan(header.Length));
        return file;
    }

    private static (int[] Shape, float[] Values) ReadNpy(byte[] file)
    {
        var header = Npy.ReadHeader(file, "any shape");
        var values = new float[header.Shape.Aggregate(1, (product, length) => product * length)];
        Npy.ReadValues(file.AsSpan(header.DataStart), header.ValueBytes, values);
        return (header.Shape, values);
    }

    /// <summary>Asserts a 200 answer holding an 8-bit RGB PNG (colour type 2) of the size, and returns it.</summary>
    private static async Task<Image<Rgb24>> AssertRgbPngAsync(HttpResponseMessage response, int width, int height)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((2, 8), (body[25], body[24]));
        var image = Image.Load<Rgb24>(body);
        Assert.Equal((width, height), (image.Width, image.Height));
        return image;
    }

    private static List<Rgb24> Pixels(Image<Rgb24> image)
    {
        var pixels = new List<Rgb24>();
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                pixels.Add(image[x, y]);
            }
        }

        return pixels;
    }

    private static void AssertEvery(Image<Rgb24> image, Rgb24 colour) => Assert.All(Pixels(image), pixel => Assert.Equal(colour, pixel));
}
