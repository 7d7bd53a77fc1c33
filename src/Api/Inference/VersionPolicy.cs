using System.Globalization;
using System.Text.Json;

namespace Autoencoder.Api.Inference;

/// <summary>
/// Which of a model's versions are served, as Triton's version_policy says it: the latest N (the default: the latest
/// one), all of them, or specific ones. Read from <see cref="FileName"/> beside the version folders:
/// <c>{"latest": 2}</c>, <c>{"all": true}</c> or <c>{"specific": [1, 3]}</c>.
/// </summary>
public sealed record VersionPolicy(int? Latest, bool All, IReadOnlyList<long>? Specific)
{
    public const string FileName = "version-policy.json";

    /// <summary>The latest version only, as Triton serves a model without a policy.</summary>
    public static VersionPolicy Default { get; } = new(1, false, null);

    /// <summary>The versions served of those there are, newest first.</summary>
    public IReadOnlyList<long> Select(IEnumerable<long> available)
    {
        var newestFirst = available.OrderDescending().ToList();
        return All ? newestFirst
            : Specific is { } specific ? [.. newestFirst.Where(specific.Contains)]
            : [.. newestFirst.Take(Latest ?? 1)];
    }

    /// <summary>The policy in <paramref name="folder"/>, or the default without one; a file that says anything else stops the start, naming it.</summary>
    public static VersionPolicy Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return Default;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.EnumerateObject().Count() == 1)
            {
                var (name, value) = (root.EnumerateObject().First().Name, root.EnumerateObject().First().Value);
                switch (name)
                {
                    case "latest" when value.TryGetInt32(out var latest) && latest >= 1:
                        return new VersionPolicy(latest, false, null);
                    case "all" when value.ValueKind == JsonValueKind.True:
                        return new VersionPolicy(null, true, null);
                    case "specific" when value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0
                        && value.EnumerateArray().All(version => version.TryGetInt64(out var number) && number >= 1):
                        return new VersionPolicy(null, false, [.. value.EnumerateArray().Select(version => version.GetInt64())]);
                }
            }
        }
        catch (JsonException)
        {
        }

        throw new ModelLoadException(path, """a version policy is one of {"latest": N} (N at least 1), {"all": true} or {"specific": [versions]}""");
    }

    /// <summary>A version folder's name as its number: digits only, at least 1.</summary>
    public static long? VersionOf(string folderName) =>
        folderName.All(char.IsAsciiDigit) && long.TryParse(folderName, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= 1
            ? version
            : null;
}
