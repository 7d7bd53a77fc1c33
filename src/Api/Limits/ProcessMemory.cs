using System.Globalization;

namespace Autoencoder.Api.Limits;

/// <summary>
/// The memory this process may use: the memory limit of its control group (a container's or a pod's limit) when one is
/// set, else the machine's memory, and never more than the garbage collector's heap limit (which .NET sets to 75% of a
/// container's limit). The request limits' memory budgets are sized from it, so one image runs as well under a 1 GiB
/// pod limit as on a 64 GiB host.
/// </summary>
public static class ProcessMemory
{
    /// <summary>The limit in bytes: <paramref name="configured"/> when above 0, else the smaller of the control group's and the heap's.</summary>
    public static long LimitBytes(long configured = 0)
    {
        if (configured > 0)
        {
            return configured;
        }

        // The machine's memory, or the heap limit where one is in force: in a container, 75% of its limit by default.
        var heap = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return ControlGroupLimit() is { } limit && limit < heap ? limit : heap;
    }

    /// <summary>cgroup v2's memory.max (of the process's own group, or the root of a container's namespace), else v1's limit.</summary>
    private static long? ControlGroupLimit()
    {
        var candidates = new List<string>();
        foreach (var line in ReadLines("/proc/self/cgroup"))
        {
            // v2: "0::/path"; v1: "N:memory:/path" (or "N:...,memory,...:/path").
            var parts = line.Split(':', 3);
            if (parts.Length == 3 && parts[0] == "0" && parts[1].Length == 0)
            {
                candidates.Add($"/sys/fs/cgroup{parts[2].TrimEnd('/')}/memory.max");
            }
            else if (parts.Length == 3 && parts[1].Split(',').Contains("memory"))
            {
                candidates.Add($"/sys/fs/cgroup/memory{parts[2].TrimEnd('/')}/memory.limit_in_bytes");
            }
        }

        candidates.Add("/sys/fs/cgroup/memory.max");
        candidates.Add("/sys/fs/cgroup/memory/memory.limit_in_bytes");
        foreach (var path in candidates)
        {
            var text = ReadLines(path).FirstOrDefault();

            // "max", or v1's "no limit" of nearly 2^63, mean none here.
            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes > 0 && bytes < (1L << 52))
            {
                return bytes;
            }
        }

        return null;
    }

    private static string[] ReadLines(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllLines(path) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
