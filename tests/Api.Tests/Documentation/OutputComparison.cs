using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Autoencoder.Api.Tests.Documentation;

/// <summary>
/// Whether what an example printed looks as the documentation shows it. Shown output is cut short with "…", so it is
/// read as a pattern: in JSON, "…" in an array or object stands for any further items or members and inside a string
/// for any text; in text, each shown line must appear in the output, "…" standing for anything and a number for any
/// number. Numbers that are not whole compare within 1e-6 + 0.1%, since the same model on another CPU may differ in
/// the last digits; whole numbers (counts, sizes, seeds) compare exactly.
/// </summary>
public static partial class OutputComparison
{
    public const char Ellipsis = '…';

    private const int MostDifferencesReported = 8;

    /// <summary>What differs, one line each; empty when the output looks as shown.</summary>
    public static IReadOnlyList<string> Differences(ShownOutput shown, string actual) =>
        shown.Language == "json" ? JsonDifferences(shown.Text, actual) : TextDifferences(shown.Text, actual);

    public static IReadOnlyList<string> JsonDifferences(string shown, string actual)
    {
        var expected = new ShownJsonReader(shown).ReadAll();
        List<JsonElement> values;
        try
        {
            values = ReadJsonValues(actual);
        }
        catch (JsonException exception)
        {
            return [$"the output is not JSON ({exception.Message})"];
        }

        var differences = new List<string>();
        if (values.Count != expected.Count)
        {
            differences.Add($"{expected.Count} JSON value(s) shown, {values.Count} printed");
        }

        for (var i = 0; i < Math.Min(values.Count, expected.Count); i++)
        {
            Compare(expected[i], values[i], expected.Count == 1 ? "$" : $"${i + 1}", differences);
        }

        return [.. differences.Take(MostDifferencesReported)];
    }

    public static IReadOnlyList<string> TextDifferences(string shown, string actual)
    {
        var lines = actual.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        return [.. shown.Split('\n')
            .Where(line => !string.IsNullOrWhiteSpace(line))
            .Where(line => !lines.Any(LinePattern(line).IsMatch))
            .Select(line => $"no line of the output looks like: {line}")
            .Take(MostDifferencesReported)];
    }

    private static List<JsonElement> ReadJsonValues(string actual)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(actual), new JsonReaderOptions { AllowMultipleValues = true });
        var values = new List<JsonElement>();
        while (reader.Read())
        {
            using var document = JsonDocument.ParseValue(ref reader);
            values.Add(document.RootElement.Clone());
        }

        return values;
    }

    private static Regex LinePattern(string shownLine)
    {
        var pattern = new StringBuilder("^");
        var position = 0;
        foreach (Match wildcard in ShownWildcard().Matches(shownLine))
        {
            pattern.Append(Regex.Escape(shownLine[position..wildcard.Index]));
            pattern.Append(wildcard.Value == Ellipsis.ToString() ? ".*" : @"[-+]?[0-9][0-9.eE+-]*");
            position = wildcard.Index + wildcard.Length;
        }

        return new Regex(pattern.Append(Regex.Escape(shownLine[position..].TrimEnd())).Append('$').ToString());
    }

    [GeneratedRegex(@"…|[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")]
    private static partial Regex ShownWildcard();

    private static void Compare(Shown expected, JsonElement actual, string path, List<string> differences)
    {
        switch (expected)
        {
            case ShownObject shownObject when actual.ValueKind == JsonValueKind.Object:
                var names = actual.EnumerateObject().Select(member => member.Name).ToList();
                foreach (var (name, value) in shownObject.Members)
                {
                    if (actual.TryGetProperty(name, out var member))
                    {
                        Compare(value, member, $"{path}.{name}", differences);
                    }
                    else
                    {
                        differences.Add($"{path}: no member '{name}'");
                    }
                }

                var unshown = names.Except(shownObject.Members.Select(member => member.Name)).ToList();
                if (!shownObject.Elided && unshown.Count > 0)
                {
                    differences.Add($"{path}: members not shown: {string.Join(", ", unshown)}");
                }

                break;
            case ShownArray shownArray when actual.ValueKind == JsonValueKind.Array:
                var items = actual.EnumerateArray().ToList();
                var shownCount = shownArray.Head.Count + shownArray.Tail.Count;
                if (shownArray.Elided ? items.Count < shownCount : items.Count != shownCount)
                {
                    differences.Add($"{path}: {items.Count} items, {(shownArray.Elided ? "at least " : "")}{shownCount} shown");
                    break;
                }

                for (var i = 0; i < shownArray.Head.Count; i++)
                {
                    Compare(shownArray.Head[i], items[i], $"{path}[{i}]", differences);
                }

                for (var i = 0; i < shownArray.Tail.Count; i++)
                {
                    var index = items.Count - shownArray.Tail.Count + i;
                    Compare(shownArray.Tail[i], items[index], $"{path}[{index}]", differences);
                }

                break;
            case ShownString shownString when actual.ValueKind == JsonValueKind.String:
                if (!StringMatches(shownString.Text, actual.GetString()!))
                {
                    differences.Add($"{path}: \"{actual.GetString()}\", shown as \"{shownString.Text}\"");
                }

                break;
            case ShownNumber shownNumber when actual.ValueKind == JsonValueKind.Number:
                if (!NumberMatches(shownNumber.Literal, actual.GetRawText()))
                {
                    differences.Add($"{path}: {actual.GetRawText()}, shown as {shownNumber.Literal}");
                }

                break;
            case ShownLiteral shownLiteral when actual.GetRawText() == shownLiteral.Literal:
                break;
            default:
                differences.Add($"{path}: {Abbreviate(actual.GetRawText())}, shown as {expected}");
                break;
        }
    }

    private static bool StringMatches(string shown, string actual)
    {
        var parts = shown.Split(Ellipsis);
        if (parts.Length == 1)
        {
            return shown == actual;
        }

        if (!actual.StartsWith(parts[0], StringComparison.Ordinal) || !actual.EndsWith(parts[^1], StringComparison.Ordinal))
        {
            return false;
        }

        var position = parts[0].Length;
        foreach (var part in parts[1..^1])
        {
            var found = actual.IndexOf(part, position, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            position = found + part.Length;
        }

        return position <= actual.Length - parts[^1].Length;
    }

    private static bool NumberMatches(string shown, string actual)
    {
        static bool Whole(string literal) => literal.All(c => char.IsAsciiDigit(c) || c == '-');
        if (Whole(shown) && Whole(actual))
        {
            return decimal.Parse(shown, CultureInfo.InvariantCulture) == decimal.Parse(actual, CultureInfo.InvariantCulture);
        }

        var expected = double.Parse(shown, NumberStyles.Float, CultureInfo.InvariantCulture);
        var value = double.Parse(actual, NumberStyles.Float, CultureInfo.InvariantCulture);
        return Math.Abs(expected - value) <= 1e-6 + (1e-3 * Math.Max(Math.Abs(expected), Math.Abs(value)));
    }

    private static string Abbreviate(string text) => text.Length <= 80 ? text : text[..80] + Ellipsis;

    private abstract record Shown;

    private sealed record ShownObject(IReadOnlyList<(string Name, Shown Value)> Members, bool Elided) : Shown
    {
        public override string ToString() => "an object";
    }

    private sealed record ShownArray(IReadOnlyList<Shown> Head, IReadOnlyList<Shown> Tail, bool Elided) : Shown
    {
        public override string ToString() => "an array";
    }

    private sealed record ShownString(string Text) : Shown
    {
        public override string ToString() => $"\"{Text}\"";
    }

    private sealed record ShownNumber(string Literal) : Shown
    {
        public override string ToString() => Literal;
    }

    private sealed record ShownLiteral(string Literal) : Shown
    {
        public override string ToString() => Literal;
    }

    /// <summary>JSON as the documentation shows it: JSON, except that "…" may stand in an array or object.</summary>
    private sealed class ShownJsonReader(string text)
    {
        private int position;

        public List<Shown> ReadAll()
        {
            var values = new List<Shown>();
            for (SkipWhitespace(); position < text.Length; SkipWhitespace())
            {
                values.Add(ReadValue());
            }

            return values;
        }

        private Shown ReadValue()
        {
            SkipWhitespace();
            return Peek() switch
            {
                '{' => ReadObject(),
                '[' => ReadArray(),
                '"' => new ShownString(ReadString()),
                't' or 'f' or 'n' => new ShownLiteral(ReadWhile(char.IsAsciiLetter)),
                var c when c == '-' || char.IsAsciiDigit(c) => new ShownNumber(ReadWhile(c => char.IsAsciiDigit(c) || c is '-' or '+' or '.' or 'e' or 'E')),
                var c => throw Invalid($"unexpected '{c}'"),
            };
        }

        private ShownObject ReadObject()
        {
            position++;
            var members = new List<(string, Shown)>();
            var elided = false;
            foreach (var _ in Items('}'))
            {
                if (TryReadEllipsis())
                {
                    elided = true;
                    continue;
                }

                var name = ReadString();
                SkipWhitespace();
                Expect(':');
                members.Add((name, ReadValue()));
            }

            return new ShownObject(members, elided);
        }

        private ShownArray ReadArray()
        {
            position++;
            var head = new List<Shown>();
            var tail = new List<Shown>();
            var elided = false;
            foreach (var _ in Items(']'))
            {
                if (TryReadEllipsis())
                {
                    elided = elided ? throw Invalid("two '…' in one array") : true;
                    continue;
                }

                (elided ? tail : head).Add(ReadValue());
            }

            return new ShownArray(head, tail, elided);
        }

        /// <summary>Steps through comma-separated items up to <paramref name="close"/>; the caller reads each item.</summary>
        private IEnumerable<int> Items(char close)
        {
            SkipWhitespace();
            if (Peek() == close)
            {
                position++;
                yield break;
            }

            for (var index = 0; ; index++)
            {
                yield return index;
                SkipWhitespace();
                if (Peek() == close)
                {
                    position++;
                    yield break;
                }

                Expect(',');
            }
        }

        private bool TryReadEllipsis()
        {
            SkipWhitespace();
            if (Peek() != Ellipsis)
            {
                return false;
            }

            position++;
            return true;
        }

        private string ReadString()
        {
            SkipWhitespace();
            var start = position;
            Expect('"');
            while (Peek() != '"')
            {
                position += Peek() == '\\' ? 2 : 1;
            }

            position++;
            return JsonSerializer.Deserialize<string>(text[start..position])!;
        }

        private string ReadWhile(Func<char, bool> predicate)
        {
            var start = position;
            while (position < text.Length && predicate(text[position]))
            {
                position++;
            }

            return text[start..position];
        }

        private void Expect(char expected)
        {
            if (Peek() != expected)
            {
                throw Invalid($"expected '{expected}'");
            }

            position++;
        }

        private char Peek() => position < text.Length ? text[position] : throw Invalid("unexpected end");

        private void SkipWhitespace()
        {
            while (position < text.Length && char.IsWhiteSpace(text[position]))
            {
                position++;
            }
        }

        private FormatException Invalid(string what) =>
            new($"the shown JSON is not JSON with '…': {what} at {position}: {text[Math.Max(0, position - 20)..Math.Min(text.Length, position + 20)]}");
    }
}
