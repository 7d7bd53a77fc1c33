using Autoencoder.Api.Errors;
using Microsoft.Net.Http.Headers;

namespace Autoencoder.Api.Http;

/// <summary>Content negotiation: which of the formats an endpoint offers the client's Accept header prefers.</summary>
public static class ResponseFormat
{
    public const string Json = "application/json";

    public const string Png = "image/png";

    /// <summary>
    /// The first of <paramref name="offered"/> that the Accept header's most preferred acceptable entry matches;
    /// the first offered format when the header is missing or matches none.
    /// </summary>
    public static string Choose(HttpRequest request, params string[] offered) => Preferred(request, offered) ?? offered[0];

    /// <summary>
    /// As <see cref="Choose"/>, but an Accept header that matches none of <paramref name="offered"/> is a 406 that
    /// lists them, rather than an answer in a format the client did not ask for.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="body">What the request sent, as the 406 names it ("an IDX file").</param>
    /// <param name="offered">The formats this request can be answered in, the default first.</param>
    public static string Require(HttpRequest request, string body, params string[] offered) =>
        Preferred(request, offered)
        ?? (request.Headers.Accept.Count == 0
            ? offered[0]
            : throw ClientInputException.NotAcceptable(
                $"{request.Path} answers {body} as {string.Join(" or ", offered)}, not '{ClientText.Echo(request.Headers.Accept)}'; send one of these in Accept, or no Accept."));

    /// <summary>
    /// As <see cref="Choose"/> for a model of <paramref name="shape"/>: for a colour model, whose images IDX cannot hold,
    /// an Accept header that asks for IDX and for none of <paramref name="offered"/> is a 406 naming .npy instead, rather
    /// than an answer in a format the client did not ask for.
    /// </summary>
    public static string ChooseImages(HttpRequest request, Autoencoder.Core.ImageShape shape, string modelName, params string[] offered)
    {
        if (shape.IsColour && Preferred(request, offered) is null && Preferred(request, [Formats.IdxImages.MediaType]) is not null)
        {
            throw ClientInputException.NotAcceptable(
                $"An IDX file holds one-channel images and model '{modelName}' makes {shape.Channels} channels: accept {string.Join(" or ", offered)} instead.");
        }

        return Choose(request, offered);
    }

    /// <summary>PNG unless the client's Accept header prefers JSON.</summary>
    public static bool PrefersJson(HttpRequest request) => Choose(request, Png, Json) == Json;

    /// <summary>The offered format the most preferred acceptable Accept entry matches; null without a match or a header.</summary>
    private static string? Preferred(HttpRequest request, string[] offered)
    {
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted))
        {
            return null;
        }

        // Highest quality first; among equals, the order the client listed them in.
        foreach (var mediaType in accepted.OrderByDescending(value => value.Quality ?? 1.0).Where(value => (value.Quality ?? 1.0) > 0))
        {
            var match = offered.FirstOrDefault(candidate => Matches(mediaType, candidate));
            if (match is not null)
            {
                return match;
            }
        }

        return null;
    }

    private static bool Matches(MediaTypeHeaderValue accepted, string candidate)
    {
        if (accepted.MatchesAllTypes)
        {
            return true;
        }

        var type = candidate[..candidate.IndexOf('/', StringComparison.Ordinal)];
        return accepted.MediaType.Equals(candidate, StringComparison.OrdinalIgnoreCase)
            || (accepted.MatchesAllSubTypes && accepted.Type.Equals(type, StringComparison.OrdinalIgnoreCase))
            || (candidate == Json && accepted.MediaType.Equals("application/problem+json", StringComparison.OrdinalIgnoreCase));
    }
}
