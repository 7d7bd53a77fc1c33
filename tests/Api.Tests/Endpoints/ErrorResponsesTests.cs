using Autoencoder.Api.Http;
using Autoencoder.Api.Endpoints;
using Autoencoder.Api.Errors;

namespace Autoencoder.Api.Tests.Endpoints;

/// <summary>The one mapping from the service's faults to HTTP.</summary>
public sealed class ErrorResponsesTests
{
    [Fact]
    public void EveryFaultIsAClientError()
    {
        var statuses = Enum.GetValues<InputFault>().Select(ErrorResponses.StatusFor).ToArray();

        Assert.All(statuses, status => Assert.InRange(status, 400, 499));
    }

    [Theory]
    [InlineData(InputFault.Invalid, 400)]
    [InlineData(InputFault.NotFound, 404)]
    [InlineData(InputFault.TooLarge, 413)]
    [InlineData(InputFault.UnsupportedFormat, 415)]
    [InlineData(InputFault.Unauthenticated, 401)]
    [InlineData(InputFault.Forbidden, 403)]
    [InlineData(InputFault.ModelLacks, 409)]
    [InlineData(InputFault.Conflict, 409)]
    [InlineData(InputFault.NotAcceptable, 406)]

    // A model whose files cannot load is a 400, as Triton answers a failed load.
    [InlineData(InputFault.ModelBroken, 400)]
    public void FaultsMeanTheStatusesClientsKnow(InputFault fault, int status) => Assert.Equal(status, ErrorResponses.StatusFor(fault));
}

/// <summary>How error messages repeat what a client sent.</summary>
public sealed class ClientTextTests
{
    [Fact]
    public void AShortStringIsEchoedWhole() => Assert.Equal("mnist-conv", ClientText.Echo("mnist-conv"));

    [Fact]
    public void ALongStringIsEchoedByItsFirst64Characters() =>
        Assert.Equal(new string('m', 64) + "…", ClientText.Echo(new string('m', 8000)));

    [Fact]
    public void AnEchoNeverEndsInHalfACharacter()
    {
        var text = new string('a', ClientText.MostCharacters - 1) + "😀" + "tail";

        var echo = ClientText.Echo(text);

        Assert.Equal(new string('a', ClientText.MostCharacters - 1) + "…", echo);
    }
}
