using System.Net;
using Autoencoder.Api.Metrics;
using Microsoft.AspNetCore.Connections;

namespace Autoencoder.Api.Limits;

/// <summary>
/// Caps the connections one client address may hold open at once (<see cref="LimitsOptions.MaxConnectionsPerClient"/>):
/// a connection past the cap is closed before a byte of it is read. Kestrel's own cap counts all clients together, so
/// one client could take every connection there is.
/// </summary>
public sealed class ClientConnections(int perClient, ApiMetrics metrics)
{
    private readonly Dictionary<IPAddress, int> open = [];

    /// <summary>Connections open now from <paramref name="address"/>.</summary>
    public int OpenFrom(IPAddress address)
    {
        lock (open)
        {
            return open.GetValueOrDefault(Normalize(address));
        }
    }

    /// <summary>The connection middleware: counts each connection in and out by its client's address.</summary>
    public ConnectionDelegate Use(ConnectionDelegate next) => async connection =>
    {
        if (connection.RemoteEndPoint is not IPEndPoint { Address: var remote })
        {
            await next(connection);
            return;
        }

        var address = Normalize(remote);
        if (!TryOpen(address))
        {
            metrics.ConnectionsRefused.Inc();
            return;
        }

        try
        {
            await next(connection);
        }
        finally
        {
            Close(address);
        }
    };

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private bool TryOpen(IPAddress address)
    {
        lock (open)
        {
            var count = open.GetValueOrDefault(address);
            if (count >= perClient)
            {
                return false;
            }

            open[address] = count + 1;
            return true;
        }
    }

    private void Close(IPAddress address)
    {
        lock (open)
        {
            var count = open[address] - 1;
            if (count == 0)
            {
                open.Remove(address);
            }
            else
            {
                open[address] = count;
            }
        }
    }
}
