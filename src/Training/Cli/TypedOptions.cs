using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Autoencoder.Core;

namespace Autoencoder.Training.Cli;

/// <summary>
/// Options whose text every command parses the same way: invariant culture, checked against a range or a set of
/// words, and rejected with a message that names the option, says what it takes and quotes what it got.
/// </summary>
/// <remarks>
/// Each check lives in the option's parser, not in a validator: System.CommandLine runs an option's validators even
/// after its parser has rejected the text, and reading the value there throws instead of reporting.
/// </remarks>
internal static class TypedOptions
{
    private delegate bool TryParse<T>(string text, [MaybeNullWhen(false)] out T value);

    /// <summary>Text passed through as given: a file, a folder, a name.</summary>
    public static Option<string> Text(string name, string helpName, string description, bool required = false) =>
        new(name) { HelpName = helpName, Description = description, Required = required };

    /// <summary>A file or folder that may be given more than once, and must be given at least once.</summary>
    public static Option<string[]> Paths(string name, string helpName, string description) =>
        new(name) { HelpName = helpName, Description = description, Required = true, Arity = ArgumentArity.OneOrMore };

    /// <summary>A switch: present or not.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>A whole number that is null when not given.</summary>
    public static Option<int?> WholeNumber(string name, int min, int max, string description) =>
        Parsed(name, "N", WholeNumberRange(min, max), OrNull((string text, out int value) => TryParseWholeNumber(text, min, max, out value)), description);

    /// <summary>A whole number with a default, which help shows.</summary>
    public static Option<int> WholeNumber(string name, int min, int max, int defaultValue, string description)
    {
        var option = Parsed(name, "N", WholeNumberRange(min, max), (string text, out int value) => TryParseWholeNumber(text, min, max, out value), description);
        option.DefaultValueFactory = _ => defaultValue;
        return option;
    }

    /// <summary>One of a few whole numbers, with a default, which help shows.</summary>
    public static Option<int> OneOfNumbers(string name, IReadOnlyList<int> choices, int defaultValue, string description)
    {
        var words = string.Join('|', choices.Select(choice => choice.ToString(CultureInfo.InvariantCulture)));
        var option = Parsed(name, words, $"one of {string.Join(", ", choices.Select(choice => choice.ToString(CultureInfo.InvariantCulture)))}", (string text, out int value) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && choices.Contains(value), description);
        option.DefaultValueFactory = _ => defaultValue;
        return option;
    }

    /// <summary>A number with a default, which help shows.</summary>
    public static Option<double> Number(string name, string helpName, double min, double max, double defaultValue, string description)
    {
        var range = string.Create(CultureInfo.InvariantCulture, $"a number from {min} to {max}");
        var option = Parsed(name, helpName, range, (string text, out double value) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= min && value <= max, description);
        option.DefaultValueFactory = _ => defaultValue;
        return option;
    }

    /// <summary>A comma-separated list of whole numbers, e.g. "32,64"; null when not given.</summary>
    public static Option<IReadOnlyList<int>?> WholeNumbers(string name, string helpName, int min, int max, string description)
    {
        var option = Parsed(name, helpName, $"comma-separated whole numbers from {min} to {max}", (string text, out IReadOnlyList<int>? value) =>
        {
            var parts = text.Split(',', StringSplitOptions.TrimEntries);
            var numbers = new int[parts.Length];
            value = numbers;
            return parts.Select((part, i) => TryParseWholeNumber(part, min, max, out numbers[i])).All(parsed => parsed);
        }, description);

        // One token holds the whole list, as in "--channels 32,64"; a list-typed option would otherwise take several.
        option.Arity = ArgumentArity.ExactlyOne;
        return option;
    }

    /// <summary>An image size, "HEIGHTxWIDTH" or one number for a square; null when not given.</summary>
    public static Option<(int Height, int Width)?> Size(string name, int min, int max, string description) =>
        Parsed(name, "HxW", $"HEIGHTxWIDTH (or one number), each from {min} to {max}", OrNull((string text, out (int Height, int Width) value) =>
        {
            var parts = text.Split('x', 'X');
            value = default;
            return parts.Length is 1 or 2
                && TryParseWholeNumber(parts[0], min, max, out value.Height)
                && TryParseWholeNumber(parts[^1], min, max, out value.Width);
        }), description);

    /// <summary>One of a fixed set of words, compared without case; null when not given.</summary>
    public static Option<T?> OneOf<T>(string name, IReadOnlyDictionary<string, T> choices, string description)
        where T : class =>
        Parsed<T?>(name, string.Join('|', choices.Keys), $"one of {string.Join(", ", choices.Keys)}", (string text, out T? value) => choices.TryGetValue(text, out value), description);

    /// <summary>One of an enum's members, spelled in lower case and compared without case; null when not given.</summary>
    public static Option<TEnum?> OneOf<TEnum>(string name, string description)
        where TEnum : struct, Enum =>
        OneOfNamed(name, Enum.GetValues<TEnum>().ToDictionary(Word, value => value, StringComparer.OrdinalIgnoreCase), description);

    /// <summary>One of an enum's members by the names given (compared as <paramref name="choices"/> compares keys); null when not given.</summary>
    public static Option<TEnum?> OneOfNamed<TEnum>(string name, IReadOnlyDictionary<string, TEnum> choices, string description)
        where TEnum : struct, Enum =>
        Parsed(name, string.Join('|', choices.Keys), $"one of {string.Join(", ", choices.Keys)}", OrNull<TEnum>(choices.TryGetValue), description);

    /// <summary>
    /// Comma-separated noises, "gaussian:0-0.5,mask:0.3" (see <see cref="Noise.Parse"/>); null when not given. A bad
    /// one is reported with what <see cref="Noise.Parse"/> says is wrong with it.
    /// </summary>
    public static Option<IReadOnlyList<Noise>?> Noises(string name, string description) => new(name)
    {
        HelpName = "KIND:LEVEL[,...]",
        Description = description,

        // One token holds the whole list, as in "--noise gaussian:0.3,mask:0.2".
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value;
            try
            {
                var noises = Noise.ParseList(text);
                if (noises.Count > 0)
                {
                    return noises;
                }

                result.AddError($"{name} must be one or more KIND:LEVEL or KIND:MIN-MAX, comma-separated, not '{text}'");
            }
            catch (FormatException e)
            {
                result.AddError($"{name}: {e.Message}");
            }

            return null;
        },
    };

    /// <summary>An http or https URL, with a default that help shows.</summary>
    public static Option<Uri> HttpUrl(string name, Uri defaultValue, string description)
    {
        var option = Parsed<Uri>(name, "URL", "an http(s) URL", TryParseHttpUrl, description);
        option.DefaultValueFactory = _ => defaultValue;
        return option;
    }

    /// <summary>How a command line spells an enum member: "fc" for <c>ArchitectureKind.Fc</c>.</summary>
    public static string Word<TEnum>(TEnum value)
        where TEnum : struct, Enum => value.ToString().ToLowerInvariant();

    /// <summary>
    /// A description that ends in the default the way System.CommandLine writes one, for options whose default it
    /// would print in C# terms (an enum's member name, a list joined by '|').
    /// </summary>
    public static string WithDefault(string description, string defaultText) => $"{description} [default: {defaultText}]";

    private static Option<T> Parsed<T>(string name, string helpName, string expected, TryParse<T> tryParse, string description) => new(name)
    {
        HelpName = helpName,
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value;
            if (tryParse(text, out var value))
            {
                return value;
            }

            result.AddError($"{name} must be {expected}, not '{text}'");
            return default;
        },
    };

    /// <summary>The same parse for an option that is null when not given.</summary>
    private static TryParse<T?> OrNull<T>(TryParse<T> tryParse)
        where T : struct =>
        (string text, out T? value) =>
        {
            var parsed = tryParse(text, out var result);
            value = parsed ? result : null;
            return parsed;
        };

    /// <summary>A base URL, so with a trailing slash that relative file names extend rather than replace.</summary>
    private static bool TryParseHttpUrl(string text, [MaybeNullWhen(false)] out Uri value) =>
        Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out value) && (value.Scheme == Uri.UriSchemeHttp || value.Scheme == Uri.UriSchemeHttps);

    private static string WholeNumberRange(int min, int max) => $"a whole number from {min} to {max}";

    private static bool TryParseWholeNumber(string text, int min, int max, out int value) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    /// <summary>Adds <paramref name="options"/> to <paramref name="command"/>, in the order its help lists them.</summary>
    public static void AddOptions(this Command command, IEnumerable<Option> options)
    {
        foreach (var option in options)
        {
            command.Options.Add(option);
        }
    }
}
