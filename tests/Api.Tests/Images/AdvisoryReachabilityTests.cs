using Autoencoder.Api.Errors;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Autoencoder.Api.Images;

namespace Autoencoder.Api.Tests.Images;

/// <summary>
/// ImageSharp 2.1.13 has advisories with no 2.x fix in the TIFF codec, in ICC profile parsing and in
/// HistogramEqualization. These tests keep all three out of reach of anything a client sends.
/// </summary>
public sealed class AdvisoryReachabilityTests
{
    [Fact]
    public void TheApiReferencesNoTiffIccOrHistogramEqualizationType()
    {
        using var file = File.OpenRead(typeof(ImageDecoder).Assembly.Location);
        using var pe = new PEReader(file);
        var metadata = pe.GetMetadataReader();

        var referenced = metadata.TypeReferences
            .Select(handle => metadata.GetTypeReference(handle))
            .Select(type => $"{metadata.GetString(type.Namespace)}.{metadata.GetString(type.Name)}")
            .Where(name => name.StartsWith("SixLabors.", StringComparison.Ordinal))
            .ToArray();

        Assert.NotEmpty(referenced); // the scan sees ImageSharp types at all
        Assert.DoesNotContain(referenced, name =>
            name.Contains("Tiff", StringComparison.Ordinal)
            || name.Contains(".Icc", StringComparison.Ordinal)
            || name.Contains("HistogramEqualization", StringComparison.Ordinal)
            || name.Contains(".Normalization.", StringComparison.Ordinal));
    }

    [Fact]
    public void ATiffSentAsPngIsRefusedAsUnsupported()
    {
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.L8>(8, 8);
        using var tiff = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsTiff(image, tiff);
        using var decoder = new ImageDecoder(new ImageLimits());

        var error = Assert.Throws<ImageRejectedException>(() => decoder.Decode(tiff.ToArray()));

        Assert.Equal(InputFault.UnsupportedFormat, error.Fault);
    }
}
