using Autoencoder.Api.Http;
using Autoencoder.Api.Endpoints;
using Autoencoder.Api.Errors;

namespace Autoencoder.Api.Tests.Endpoints;

/// <summary>The one mapping from the service's faults to HTTP.</summary>
public sealed class ErrorResponsesTests
{
    [Fact]
    public void EveryFaultIsItsOwnClientError()
    {
        var statuses = Enum.GetValues<InputFault>().Select(ErrorResponses.StatusFor).ToArray();

        Assert.All(statuses, status => Assert.InRange(status, 400, 499));
        Assert.Equal(statuses.Length, statuses.Distinct().Count());
    }

    [Theory]
    [InlineData(InputFault.Invalid, 400)]
    [InlineData(InputFault.NotFound, 404)]
    [InlineData(InputFault.TooLarge, 413)]
    [InlineData(InputFault.UnsupportedFormat, 415)]
    public void FaultsMeanTheStatusesClientsKnow(InputFault fault, int status) => Assert.Equal(status, ErrorResponses.StatusFor(fault));
}
