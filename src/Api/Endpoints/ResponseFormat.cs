using Microsoft.Net.Http.Headers;

namespace Autoencoder.Api.Endpoints;

/// <summary>Content negotiation: which of the formats an endpoint offers the client's Accept header prefers.</summary>
public static class ResponseFormat
{
    public const string Json = "application/json";

    /// <summary>
    /// The first of <paramref name="offered"/> that the Accept header's most preferred acceptable entry matches;
    /// the first offered format when the header is missing or matches none.
    /// </summary>
    public static string Choose(HttpRequest request, params string[] offered)
    {
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted))
        {
            return offered[0];
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

        return offered[0];
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

    /// <summary>PNG unless the client's Accept header prefers JSON.</summary>
    public static bool PrefersJson(HttpRequest request) => Choose(request, "image/png", Json) == Json;
}
