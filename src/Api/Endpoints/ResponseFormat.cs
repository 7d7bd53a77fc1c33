using Microsoft.Net.Http.Headers;

namespace Autoencoder.Api.Endpoints;

/// <summary>PNG unless the client's Accept header prefers JSON.</summary>
public static class ResponseFormat
{
    public static bool PrefersJson(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted))
        {
            return false;
        }

        // Highest quality first; among equals, the order the client listed them in.
        foreach (var mediaType in accepted.OrderByDescending(value => value.Quality ?? 1.0))
        {
            if ((mediaType.Quality ?? 1.0) <= 0)
            {
                continue;
            }

            if (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || mediaType.MediaType.Equals("application/problem+json", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (mediaType.MatchesAllTypes || mediaType.MediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return false;
    }
}
