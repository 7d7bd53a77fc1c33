using System.Security.Cryptography;
using System.Text;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Inference;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Repository;

/// <summary>
/// The key that opens the repository calls (Models:ControlKey): they change what the service runs, so without a key
/// configured they are closed, and with one they take only a caller that presents it.
/// </summary>
public sealed class ControlKey(IOptions<ModelsOptions> options)
{
    public const string Scheme = "Bearer";

    /// <summary>
    /// Passes when <paramref name="authorization"/> is "Bearer KEY" with the configured key;
    /// <see cref="InputFault.Unauthenticated"/> without a key, <see cref="InputFault.Forbidden"/> with another key or
    /// while none is configured.
    /// </summary>
    public void Require(string? authorization)
    {
        if (string.IsNullOrEmpty(options.Value.ControlKey))
        {
            throw new ClientInputException(InputFault.Forbidden, "Repository calls are closed: the service has no Models:ControlKey configured.");
        }

        if (authorization is null
            || authorization.Length <= Scheme.Length + 1
            || !authorization.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase))
        {
            throw new ClientInputException(InputFault.Unauthenticated, $"Repository calls need the control key: send Authorization: {Scheme} KEY.");
        }

        if (!Matches(authorization[(Scheme.Length + 1)..].Trim(), options.Value.ControlKey))
        {
            throw new ClientInputException(InputFault.Forbidden, "The key presented is not the service's control key.");
        }
    }

    /// <summary>Compares hashes in constant time, so neither the key's bytes nor its length show in the time taken.</summary>
    private static bool Matches(string presented, string key) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
