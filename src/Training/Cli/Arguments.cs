using System.Globalization;

namespace Autoencoder.Training.Cli;

/// <summary>
/// "--name value" options and "--flag" switches after a command word, checked against what the command knows,
/// with typed accessors whose errors name the option.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> flags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> repeated = new(StringComparer.Ordinal);

    private Arguments()
    {
    }

    /// <param name="repeatable">options that may be given more than once; read them with <see cref="Strings"/></param>
    public static Arguments Parse(IReadOnlyList<string> args, IReadOnlySet<string> options, IReadOnlySet<string> switches, IReadOnlySet<string>? repeatable = null)
    {
        var parsed = new Arguments();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var (name, inline) = arg.Split('=', 2) is [var n, var v] && n.StartsWith("--", StringComparison.Ordinal) ? (n, v) : (arg, null);
            if (switches.Contains(name) && inline is null)
            {
                parsed.flags.Add(name);
            }
            else if (options.Contains(name))
            {
                var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value"));
                if (repeatable?.Contains(name) == true)
                {
                    parsed.repeated.TryAdd(name, []);
                    parsed.repeated[name].Add(value);
                }
                else if (!parsed.values.TryAdd(name, value))
                {
                    throw new UsageException($"{name} is given twice");
                }
            }
            else
            {
                throw new UsageException(arg.StartsWith('-') ? $"unknown option {name}" : $"unexpected argument '{arg}'");
            }
        }

        return parsed;
    }

    public bool Has(string flag) => flags.Contains(flag);

    public string? String(string name) => values.GetValueOrDefault(name);

    public string RequiredString(string name) => String(name) ?? throw new UsageException($"{name} is required");

    /// <summary>Every value of a repeatable option, in order; at least one.</summary>
    public IReadOnlyList<string> Strings(string name) =>
        repeated.TryGetValue(name, out var list) ? list : throw new UsageException($"{name} is required");

    public int? Int(string name, int min, int max)
    {
        if (String(name) is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"{name} must be a whole number from {min} to {max}, not '{text}'");
        }

        return value;
    }

    public double? Double(string name, double min, double max)
    {
        if (String(name) is not { } text)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value >= min && value <= max))
        {
            throw new UsageException($"{name} must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, not '{text}'");
        }

        return value;
    }

    /// <summary>A comma-separated list of whole numbers, e.g. "--channels 32,64".</summary>
    public IReadOnlyList<int>? IntList(string name, int min, int max)
    {
        if (String(name) is not { } text)
        {
            return null;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]) || values[i] < min || values[i] > max)
            {
                throw new UsageException($"{name} must be comma-separated whole numbers from {min} to {max}, not '{text}'");
            }
        }

        return values;
    }

    /// <summary>An image size, "HEIGHTxWIDTH" or one number for a square.</summary>
    public (int Height, int Width)? Size(string name, int min, int max)
    {
        if (String(name) is not { } text)
        {
            return null;
        }

        var parts = text.Split('x', 'X');
        if (parts.Length is < 1 or > 2
            || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var height)
            || !int.TryParse(parts[^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var width)
            || height < min || height > max || width < min || width > max)
        {
            throw new UsageException($"{name} must be HEIGHTxWIDTH (or one number), each from {min} to {max}, not '{text}'");
        }

        return (height, width);
    }

    /// <summary>The network options shared by the commands that build one: --arch, --hidden, --latent, --channels, --convolutions.</summary>
    public Models.NetworkOptions Network()
    {
        var defaults = new Models.NetworkOptions();
        return new Models.NetworkOptions
        {
            Kind = Enum<Models.ArchitectureKind>("--arch") ?? defaults.Kind,
            Hidden = Int("--hidden", 1, 100_000) ?? defaults.Hidden,
            Latent = Int("--latent", 1, 100_000) ?? defaults.Latent,
            Channels = IntList("--channels", 1, 4096) ?? defaults.Channels,
            ConvolutionsPerStage = Int("--convolutions", 1, 16) ?? defaults.ConvolutionsPerStage,
        };
    }

    /// <summary>One of a fixed set of words, compared without case.</summary>
    public string? Word(string name, IReadOnlyList<string> words)
    {
        if (String(name) is not { } text)
        {
            return null;
        }

        return words.FirstOrDefault(word => word.Equals(text, StringComparison.OrdinalIgnoreCase))
            ?? throw new UsageException($"{name} must be one of {string.Join(", ", words)}, not '{text}'");
    }

    public T? Choice<T>(string name, IReadOnlyDictionary<string, T> choices)
        where T : class
    {
        if (String(name) is not { } text)
        {
            return null;
        }

        return choices.TryGetValue(text, out var value)
            ? value
            : throw new UsageException($"{name} must be one of {string.Join(", ", choices.Keys)}, not '{text}'");
    }

    public TEnum? Enum<TEnum>(string name)
        where TEnum : struct, System.Enum
    {
        if (String(name) is not { } text)
        {
            return null;
        }

        return System.Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) && System.Enum.IsDefined(value) && !int.TryParse(text, out _)
            ? value
            : throw new UsageException($"{name} must be one of {string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))}, not '{text}'");
    }

    public Uri? Url(string name)
    {
        if (String(name) is not { } text)
        {
            return null;
        }

        if (!Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"{name} must be an http(s) URL, not '{text}'");
        }

        return url;
    }
}
