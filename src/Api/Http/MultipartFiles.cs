using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;

namespace Autoencoder.Api.Http;

/// <summary>
/// The files of a multipart/form-data body that is already in memory, read in place: the files' bytes are neither
/// copied nor buffered again, and what is allocated is their names and headers. It reads only forms it reads exactly as
/// ASP.NET Core's form reader does (the one <see cref="HttpRequest.ReadFormAsync(CancellationToken)"/> uses), which are
/// the forms browsers, curl and HttpClient send: a body that begins with its boundary, parts that are all files, each
/// with a Content-Disposition and at most a Content-Type header in plain ASCII, names and file names plain or quoted
/// without escapes, everything within the form options' limits. For any other body it gives null, having read nothing,
/// and the form reader reads it instead, with its own rules, limits and messages.
/// </summary>
public static class MultipartFiles
{
    private const string FormData = "multipart/form-data";
    private const string ContentDispositionHeader = "Content-Disposition";
    private const string ContentTypeHeader = "Content-Type";

    private static readonly SearchValues<char> Base64Characters =
        SearchValues.Create("+/0123456789=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private static readonly SearchValues<char> TokenCharacters =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>
    /// The files of <paramref name="body"/>, sent with <paramref name="contentType"/>, as the form reader would give
    /// them under <paramref name="options"/>; null if this is not a form read here (see the class).
    /// </summary>
    public static FormFileCollection? TryRead(string? contentType, ReadOnlyMemory<byte> body, FormOptions options)
    {
        if (Boundary(contentType, options.MultipartBoundaryLengthLimit) is not { } boundary
            || !MemoryMarshal.TryGetArray(body, out var array))
        {
            return null;
        }

        var bytes = body.Span;
        Span<byte> delimiter = stackalloc byte[boundary.Length + 4];
        "\r\n--"u8.CopyTo(delimiter);
        Encoding.ASCII.GetBytes(boundary, delimiter[4..]);
        var dashBoundary = delimiter[2..];
        if (!bytes.StartsWith(dashBoundary))
        {
            return null;
        }

        var files = new FormFileCollection();
        Stream? stream = null;
        var position = dashBoundary.Length;
        while (true)
        {
            // The closing boundary's line is "--" and nothing more (what follows it is the epilogue, not read).
            var rest = bytes[position..];
            if (rest.StartsWith("--"u8))
            {
                return rest.Length == 2 || rest[2..].StartsWith("\r\n"u8) ? files : null;
            }

            if (!rest.StartsWith("\r\n"u8))
            {
                return null;
            }

            position += 2;
            var headersLength = bytes[position..].IndexOf("\r\n\r\n"u8);
            if (headersLength < 0 || headersLength + 4 > options.MultipartHeadersLengthLimit / 2)
            {
                return null;
            }

            var contentStart = position + headersLength + 4;
            var contentLength = bytes[contentStart..].IndexOf(delimiter);
            if (contentLength < 0
                || contentLength > options.MultipartBodyLengthLimit
                || files.Count + 1 >= options.ValueCountLimit
                || Part(bytes.Slice(position, headersLength), options.MultipartHeadersCountLimit) is not { } part)
            {
                return null;
            }

            stream ??= new MemoryStream(array.Array!, array.Offset, array.Count, writable: false);
            var headers = new HeaderDictionary { [ContentDispositionHeader] = part.Disposition };
            if (part.Type is { } type)
            {
                headers[ContentTypeHeader] = type;
            }

            files.Add(new FormFile(stream, contentStart, contentLength, part.Name, part.FileName) { Headers = headers });
            position = contentStart + contentLength + delimiter.Length;
        }
    }

    /// <summary>
    /// The boundary of a Content-Type of exactly "multipart/form-data; boundary=B" (B a token or a quoted string without
    /// escapes, in printable ASCII, of at most <paramref name="lengthLimit"/> characters); null for any other.
    /// </summary>
    public static string? Boundary(string? contentType, int lengthLimit)
    {
        var text = contentType.AsSpan();
        if (!text.StartsWith(FormData, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        text = text[FormData.Length..].TrimStart(' ');
        if (!text.StartsWith(";"))
        {
            return null;
        }

        text = text[1..].TrimStart(' ');
        if (!text.StartsWith("boundary=", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        text = text["boundary=".Length..].TrimEnd(' ');
        var value = Value(text);
        var whole = value.Length + (text.StartsWith("\"") ? 2 : 0) == text.Length;
        return value.IsEmpty || value.Length > lengthLimit || !whole || value.ContainsAnyExceptInRange(' ', '~') ? null : value.ToString();
    }

    /// <summary>A part's headers read as the form reader reads them, if the part is a file read here.</summary>
    private static Part? Part(ReadOnlySpan<byte> block, int countLimit)
    {
        if (Ascii(block) is not { } text)
        {
            return null;
        }

        string? disposition = null;
        string? type = null;
        var lines = 0;
        foreach (var range in text.AsSpan().Split("\r\n"))
        {
            var line = text.AsSpan(range);
            if (line.ContainsAny('\r', '\n'))
            {
                return null;
            }

            var colon = line.IndexOf(':');
            if (colon <= 0 || ++lines >= countLimit)
            {
                return null;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t").ToString();
            if (name.Equals(ContentDispositionHeader, StringComparison.OrdinalIgnoreCase) && disposition is null)
            {
                disposition = value;
            }
            else if (name.Equals(ContentTypeHeader, StringComparison.OrdinalIgnoreCase) && type is null)
            {
                type = value;
            }
            else
            {
                return null;
            }
        }

        return disposition is null ? null : File(disposition, type);
    }

    /// <summary>
    /// "form-data" and its parameters name, filename and filename* (each at most once, no other), each a token or a
    /// quoted string without escapes, "; " between them; a file if filename or filename* is not empty. Encoded words
    /// are read only in a quoted filename, as =?utf-8?B?...?=, and a filename* only as utf-8'' with percent-encoded bytes.
    /// </summary>
    private static Part? File(string disposition, string? type)
    {
        var text = disposition.AsSpan();
        // The form reader takes only "form-data", in lower case, as a form's part.
        if (!text.StartsWith("form-data", StringComparison.Ordinal))
        {
            return null;
        }

        text = text["form-data".Length..];
        string? name = null;
        string? fileName = null;
        string? fileNameStar = null;
        while (!text.IsEmpty)
        {
            text = text.TrimStart(' ');
            if (!text.StartsWith(";"))
            {
                return null;
            }

            text = text[1..].TrimStart(' ');
            var equals = text.IndexOf('=');
            if (equals <= 0)
            {
                return null;
            }

            var parameter = text[..equals];
            text = text[(equals + 1)..];
            var value = Value(text);
            if (value.IsEmpty && !text.StartsWith("\"\""))
            {
                return null;
            }

            var raw = text[..(value.Length + (text.StartsWith("\"") ? 2 : 0))];
            text = text[raw.Length..];
            var encoded = value.Contains("=?", StringComparison.Ordinal);
            if (parameter.Equals("name", StringComparison.OrdinalIgnoreCase) && name is null && !encoded)
            {
                name = value.ToString();
            }
            else if (parameter.Equals("filename", StringComparison.OrdinalIgnoreCase) && fileName is null)
            {
                // An encoded word is read only as HttpClient writes a name beyond ASCII: quoted, UTF-8, base64.
                fileName = !encoded ? value.ToString() : raw[0] == '"' ? EncodedWord(value) : null;
                if (fileName is null)
                {
                    return null;
                }
            }
            else if (parameter.Equals("filename*", StringComparison.OrdinalIgnoreCase) && fileNameStar is null && raw[0] != '"')
            {
                fileNameStar = ExtendedValue(value);
                if (fileNameStar is null)
                {
                    return null;
                }
            }
            else
            {
                return null;
            }
        }

        // The form reader's file name is filename*, if there is one, else filename; the part is a file if either is not empty.
        if (name is null || (fileNameStar is null && string.IsNullOrEmpty(fileName)))
        {
            return null;
        }

        return new Part(disposition, type, name, fileNameStar ?? fileName!);
    }

    /// <summary>
    /// A parameter's value at the start of <paramref name="text"/> up to the end or the next ';' (spaces allowed before
    /// it): a token, or a quoted string's inside (without escapes); empty if it is neither.
    /// </summary>
    private static ReadOnlySpan<char> Value(ReadOnlySpan<char> text)
    {
        ReadOnlySpan<char> value;
        ReadOnlySpan<char> after;
        if (text.StartsWith("\""))
        {
            var close = text[1..].IndexOfAny('"', '\\');
            if (close < 0 || text[1 + close] != '"')
            {
                return [];
            }

            value = text.Slice(1, close);
            after = text[(close + 2)..];
        }
        else
        {
            var end = text.IndexOfAnyExcept(TokenCharacters);
            value = end < 0 ? text : text[..end];
            after = text[value.Length..];
        }

        var next = after.TrimStart(' ');
        return next.IsEmpty || next[0] == ';' ? value : [];
    }

    /// <summary>An encoded word =?utf-8?B?...?= (base64 of UTF-8 bytes), decoded, if not empty; null for anything else.</summary>
    private static string? EncodedWord(ReadOnlySpan<char> value)
    {
        const string prefix = "=?utf-8?B?";
        if (value.Length <= prefix.Length + 2 || !value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || !value.EndsWith("?="))
        {
            return null;
        }

        var data = value[prefix.Length..^2];
        var decoded = new byte[data.Length];
        return data.ContainsAnyExcept(Base64Characters) || !Convert.TryFromBase64Chars(data, decoded, out var length) ? null : Utf8Text(decoded.AsSpan(0, length));
    }

    /// <summary>An RFC 5987 value, utf-8'' and percent-encoded UTF-8 bytes, decoded; null for anything else.</summary>
    private static string? ExtendedValue(ReadOnlySpan<char> value)
    {
        const string prefix = "utf-8''";
        if (!value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        value = value[prefix.Length..];
        if (value.Contains('\''))
        {
            return null;
        }

        var decoded = new byte[value.Length];
        var length = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '%')
            {
                decoded[length++] = (byte)value[i];
            }
            else if (i + 2 < value.Length && byte.TryParse(value.Slice(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var escaped))
            {
                decoded[length++] = escaped;
                i += 2;
            }
            else
            {
                return null;
            }
        }

        return Utf8Text(decoded.AsSpan(0, length));
    }

    /// <summary>The bytes as text if they are valid UTF-8 and not none; null otherwise.</summary>
    private static string? Utf8Text(ReadOnlySpan<byte> bytes) =>
        !bytes.IsEmpty && Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>The bytes as text if they are all printable ASCII, spaces, tabs and line breaks.</summary>
    private static string? Ascii(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is (< 0x20 or > 0x7e) and not (byte)'\t' and not (byte)'\r' and not (byte)'\n')
            {
                return null;
            }
        }

        return Encoding.ASCII.GetString(bytes);
    }
}

/// <summary>A file part's headers and what the form reader makes of them.</summary>
internal sealed record Part(string Disposition, string? Type, string Name, string FileName);
