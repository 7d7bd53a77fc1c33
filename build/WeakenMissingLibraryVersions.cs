// Build task: lets a prebuilt native library load on a host whose C++ runtime is one release older
// than the one the library was linked against.
//
// TorchSharp's libLibTorchSharp.so (0.107.0) is built with GCC 13 and so asks for GLIBCXX_3.4.32.
// Debian 12's libstdc++ stops at GLIBCXX_3.4.30 and the loader refuses the library outright. The
// only symbol bound to that version is std::ios_base_library_init(), an initialisation hook that
// nothing relocates against, so the requirement is not needed at run time. The ELF format has a
// flag for exactly this case: a version requirement marked VER_FLG_WEAK is checked only for the
// symbols that use it, so the loader stops refusing the library and binds everything else as usual.
//
// The task marks weak only the requirements on versions that the host's library lacks; on a host
// that has them (Ubuntu 24.04, Debian 13) it changes nothing. It writes a patched copy next to the
// file and renames it over the original, so a hard link into the NuGet cache is never modified.
//
// MSBuild compiles this file itself (RoslynCodeTaskFactory, against .NET Standard 2.0), hence the
// plain APIs; the tests compile the same file.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Autoencoder.Build;

/// <summary>Marks weak the version requirements of native libraries that this host cannot satisfy.</summary>
public sealed class WeakenMissingLibraryVersions : Microsoft.Build.Utilities.Task
{
    /// <summary>The ELF shared objects to check and, where needed, patch in place.</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The dependency whose versions are checked against the host, e.g. libstdc++.so.6.</summary>
    [Required]
    public string Library { get; set; } = "";

    public override bool Execute()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
            return true;
        }

        var hostPath = HostLibrary.Locate(Library);
        if (hostPath is null)
        {
            Log.LogMessage(MessageImportance.Low, "{0} is not loadable on this host; nothing to check.", Library);
            return true;
        }

        var provided = ElfVersions.ReadDefinitions(File.ReadAllBytes(hostPath));
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            var weakened = ElfVersions.WeakenMissing(path, Library, provided);
            foreach (var version in weakened)
            {
                Log.LogMessage(
                    MessageImportance.High,
                    "{0}: marked the requirement {1} of {2} weak, since {3} lacks it.",
                    Path.GetFileName(path), version, Library, hostPath);
            }
        }

        return !Log.HasLoggedErrors;
    }
}

/// <summary>Finds the file the dynamic loader uses for a library name.</summary>
public static class HostLibrary
{
    private const int RtldNow = 2;
    private const int RtldDiLinkMap = 2;

    /// <summary>The path of the library as this process's loader resolves it, or null if it cannot be loaded.</summary>
    public static string? Locate(string library)
    {
        var handle = Dlopen(library, RtldNow);
        if (handle == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            // struct link_map { ElfW(Addr) l_addr; char *l_name; ... }
            if (Dlinfo(handle, RtldDiLinkMap, out var linkMap) != 0 || linkMap == IntPtr.Zero)
            {
                return null;
            }

            return Marshal.PtrToStringAnsi(Marshal.ReadIntPtr(linkMap, IntPtr.Size));
        }
        finally
        {
            _ = Dlclose(handle);
        }
    }

    // File names on Linux are bytes, conventionally UTF-8, which is what Ansi marshalling means there.
    [DllImport("libc", EntryPoint = "dlopen", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr Dlopen([MarshalAs(UnmanagedType.LPStr)] string file, int mode);

    [DllImport("libc", EntryPoint = "dlinfo")]
    private static extern int Dlinfo(IntPtr handle, int request, out IntPtr info);

    [DllImport("libc", EntryPoint = "dlclose")]
    private static extern int Dlclose(IntPtr handle);
}

/// <summary>One entry of an ELF object's .gnu.version_r: "this object needs Version of File".</summary>
public sealed class VersionNeed
{
    public const ushort WeakFlag = 0x2;

    public VersionNeed(string file, string version, ushort flags, int flagsOffset)
    {
        File = file;
        Version = version;
        Flags = flags;
        FlagsOffset = flagsOffset;
    }

    public string File { get; }

    public string Version { get; }

    public ushort Flags { get; }

    /// <summary>Where vna_flags sits in the file.</summary>
    public int FlagsOffset { get; }

    public bool IsWeak => (Flags & WeakFlag) != 0;
}

/// <summary>Reads and edits the GNU symbol-versioning sections of 64-bit little-endian ELF files.</summary>
public static class ElfVersions
{
    private const uint SectionVersionDefinitions = 0x6ffffffd;
    private const uint SectionVersionNeeds = 0x6ffffffe;

    /// <summary>Every version the object defines (its .gnu.version_d), e.g. GLIBCXX_3.4.30.</summary>
    public static ISet<string> ReadDefinitions(byte[] elf)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var section = FindSection(elf, SectionVersionDefinitions);
        if (section is null)
        {
            return names;
        }

        var (offset, count, strings) = section.Value;
        for (var i = 0; i < count; i++)
        {
            // Elf64_Verdef: vd_version, vd_flags, vd_ndx, vd_cnt (u16 each), vd_hash, vd_aux, vd_next (u32 each)
            var aux = offset + (int)U32(elf, offset + 12);
            names.Add(ReadString(elf, strings + (int)U32(elf, aux)));
            var next = (int)U32(elf, offset + 16);
            if (next == 0)
            {
                break;
            }

            offset += next;
        }

        return names;
    }

    /// <summary>Every version requirement the object declares (its .gnu.version_r).</summary>
    public static IReadOnlyList<VersionNeed> ReadNeeds(byte[] elf)
    {
        var needs = new List<VersionNeed>();
        var section = FindSection(elf, SectionVersionNeeds);
        if (section is null)
        {
            return needs;
        }

        var (offset, count, strings) = section.Value;
        for (var i = 0; i < count; i++)
        {
            // Elf64_Verneed: vn_version, vn_cnt (u16), vn_file, vn_aux, vn_next (u32)
            var auxCount = U16(elf, offset + 2);
            var file = ReadString(elf, strings + (int)U32(elf, offset + 4));
            var aux = offset + (int)U32(elf, offset + 8);
            for (var j = 0; j < auxCount; j++)
            {
                // Elf64_Vernaux: vna_hash (u32), vna_flags, vna_other (u16), vna_name, vna_next (u32)
                var version = ReadString(elf, strings + (int)U32(elf, aux + 8));
                needs.Add(new VersionNeed(file, version, U16(elf, aux + 4), aux + 4));
                aux += (int)U32(elf, aux + 12);
            }

            var next = (int)U32(elf, offset + 12);
            if (next == 0)
            {
                break;
            }

            offset += next;
        }

        return needs;
    }

    /// <summary>
    /// Marks weak each requirement on <paramref name="library"/> whose version is not in
    /// <paramref name="provided"/>, rewriting the file only if something changed.
    /// </summary>
    /// <returns>The versions that were marked weak by this call.</returns>
    public static IReadOnlyList<string> WeakenMissing(string path, string library, ISet<string> provided)
    {
        var elf = File.ReadAllBytes(path);
        var changed = new List<string>();
        foreach (var need in ReadNeeds(elf))
        {
            if (need.File == library && !need.IsWeak && !provided.Contains(need.Version))
            {
                var flags = need.Flags | VersionNeed.WeakFlag;
                elf[need.FlagsOffset] = (byte)flags;
                elf[need.FlagsOffset + 1] = (byte)(flags >> 8);
                changed.Add(need.Version);
            }
        }

        if (changed.Count > 0)
        {
            var temporary = path + ".weakening";
            File.WriteAllBytes(temporary, elf);
            File.Delete(path);
            File.Move(temporary, path);
        }

        return changed;
    }

    private static (int Offset, int Count, int Strings)? FindSection(byte[] elf, uint type)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file");
        }

        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("only 64-bit little-endian ELF files are supported");
        }

        var sectionTable = checked((int)U64(elf, 0x28));
        var entrySize = U16(elf, 0x3A);
        var sectionCount = U16(elf, 0x3C);
        for (var i = 0; i < sectionCount; i++)
        {
            var header = sectionTable + (i * entrySize);
            if (U32(elf, header + 4) != type)
            {
                continue;
            }

            var offset = checked((int)U64(elf, header + 24));
            var link = (int)U32(elf, header + 40);
            var count = (int)U32(elf, header + 44);
            var strings = checked((int)U64(elf, sectionTable + (link * entrySize) + 24));
            return (offset, count, strings);
        }

        return null;
    }

    private static ushort U16(byte[] elf, int offset) => (ushort)(elf[offset] | (elf[offset + 1] << 8));

    private static uint U32(byte[] elf, int offset) => U16(elf, offset) | ((uint)U16(elf, offset + 2) << 16);

    private static ulong U64(byte[] elf, int offset) => U32(elf, offset) | ((ulong)U32(elf, offset + 4) << 32);

    private static string ReadString(byte[] elf, int offset)
    {
        var end = Array.IndexOf(elf, (byte)0, offset);
        return Encoding.ASCII.GetString(elf, offset, end - offset);
    }
}
