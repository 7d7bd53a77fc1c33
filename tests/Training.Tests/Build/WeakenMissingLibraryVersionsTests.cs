using Autoencoder.Build;

namespace Autoencoder.Training.Tests.Build;

public sealed class WeakenMissingLibraryVersionsTests : IDisposable
{
    private const string Libstdcxx = "libstdc++.so.6";
    private const string Newest = "GLIBCXX_3.4.32";

    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void TheShippedTorchSharpGlueAsksForGlibcxx3432Strictly()
    {
        var needs = ElfVersions.ReadNeeds(File.ReadAllBytes(PristineGlue()));

        var newest = Assert.Single(needs, need => need.Version == Newest);
        Assert.Equal(Libstdcxx, newest.File);
        Assert.False(newest.IsWeak);
        Assert.Contains(needs, need => need.File == "libc.so.6");
    }

    [Fact]
    public void MarksWeakOnlyTheVersionsTheHostLacks()
    {
        var copy = CopyOfGlue();
        var before = ElfVersions.ReadNeeds(File.ReadAllBytes(copy));
        var provided = before.Where(need => need.Version != Newest).Select(need => need.Version).ToHashSet();

        var weakened = ElfVersions.WeakenMissing(copy, Libstdcxx, provided);

        Assert.Equal([Newest], weakened);
        var after = ElfVersions.ReadNeeds(File.ReadAllBytes(copy));
        Assert.Equal(before.Count, after.Count);
        foreach (var (old, now) in before.Zip(after))
        {
            Assert.Equal((old.File, old.Version), (now.File, now.Version));
            Assert.Equal(old.Version == Newest ? (ushort)(old.Flags | VersionNeed.WeakFlag) : old.Flags, now.Flags);
        }
    }

    [Fact]
    public void ChangesOnlyTheTwoFlagBytes()
    {
        var copy = CopyOfGlue();
        var original = File.ReadAllBytes(copy);
        var needs = ElfVersions.ReadNeeds(original);
        var offset = needs.Single(need => need.Version == Newest).FlagsOffset;

        ElfVersions.WeakenMissing(copy, Libstdcxx, needs.Select(need => need.Version).Where(version => version != Newest).ToHashSet());
        var patched = File.ReadAllBytes(copy);

        var differences = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        Assert.Equal(original.Length, patched.Length);
        Assert.All(differences, i => Assert.InRange(i, offset, offset + 1));
        Assert.NotEmpty(differences);
    }

    [Fact]
    public void LeavesTheFileUntouchedWhenTheHostHasEveryVersion()
    {
        var copy = CopyOfGlue();
        var stamp = File.GetLastWriteTimeUtc(copy);
        var everything = ElfVersions.ReadNeeds(File.ReadAllBytes(copy)).Select(need => need.Version).ToHashSet();

        var weakened = ElfVersions.WeakenMissing(copy, Libstdcxx, everything);

        Assert.Empty(weakened);
        Assert.Equal(File.ReadAllBytes(PristineGlue()), File.ReadAllBytes(copy));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(copy));
    }

    [Fact]
    public void IsIdempotent()
    {
        var copy = CopyOfGlue();
        ElfVersions.WeakenMissing(copy, Libstdcxx, new HashSet<string>());

        Assert.Empty(ElfVersions.WeakenMissing(copy, Libstdcxx, new HashSet<string>()));
    }

    [Fact]
    public void FindsTheHostLibstdcxxAndItsVersions()
    {
        var path = HostLibrary.Locate(Libstdcxx);

        Assert.NotNull(path);
        var versions = ElfVersions.ReadDefinitions(File.ReadAllBytes(path));
        Assert.Contains("GLIBCXX_3.4", versions);
        Assert.Contains("GLIBCXX_3.4.30", versions);
    }

    [Fact]
    public void TheBuildPatchedTheTestOutputExactlyWhenTheHostNeedsIt()
    {
        var hostVersions = ElfVersions.ReadDefinitions(File.ReadAllBytes(HostLibrary.Locate(Libstdcxx)!));
        var built = Directory.GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories);

        var need = ElfVersions.ReadNeeds(File.ReadAllBytes(Assert.Single(built))).Single(need => need.Version == Newest);

        Assert.Equal(!hostVersions.Contains(Newest), need.IsWeak);
    }

    [Fact]
    public void RejectsAFileThatIsNotElf()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersions.ReadNeeds(new byte[128]));
    }

    private string CopyOfGlue()
    {
        var copy = temp.File("libLibTorchSharp.so");
        File.Copy(PristineGlue(), copy);
        return copy;
    }

    /// <summary>The library exactly as the TorchSharp package ships it.</summary>
    private static string PristineGlue() =>
        Directory.GetFiles(Path.Combine(TestData.NuGetPackageRoot, "torchsharp"), "libLibTorchSharp.so", SearchOption.AllDirectories)
            .Single(path => path.Contains("linux-x64", StringComparison.Ordinal));
}
