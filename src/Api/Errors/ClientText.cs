namespace Autoencoder.Api.Errors;

/// <summary>
/// What a client sent, as an error message repeats it. A name or header can be as long as the server's limits allow
/// (some 8,000 characters in a path or query); its start is enough to recognise it, and the answer and the log line
/// stay small.
/// </summary>
public static class ClientText
{
    /// <summary>How many characters of a client's string an error message repeats.</summary>
    public const int MostCharacters = 64;

    /// <summary><paramref name="text"/> itself when short, else its first <see cref="MostCharacters"/> characters and "…".</summary>
    public static string Echo(string? text)
    {
        if (text is null || text.Length <= MostCharacters)
        {
            return text ?? "";
        }

        // Never half of a character outside the Basic Multilingual Plane: that would be invalid UTF-16 in the answer.
        var cut = char.IsHighSurrogate(text[MostCharacters - 1]) ? MostCharacters - 1 : MostCharacters;
        return string.Concat(text.AsSpan(0, cut), "…");
    }
}
