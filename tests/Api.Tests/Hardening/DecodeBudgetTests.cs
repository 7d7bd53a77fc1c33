using Autoencoder.Api.Limits;

namespace Autoencoder.Api.Tests.Hardening;

public sealed class DecodeBudgetTests
{
    [Fact]
    public async Task ReservationsThatFitAreGrantedAtOnceAndGiveTheirPixelsBack()
    {
        using var budget = new DecodeBudget(1_000_000);
        var before = budget.Available;

        var digit = budget.ReserveAsync(28 * 28, CancellationToken.None);
        Assert.True(digit.IsCompletedSuccessfully);
        using (var lease = await digit)
        {
            Assert.True(lease.IsAcquired);
            Assert.True(budget.Available < before);
        }

        Assert.Equal(before, budget.Available);
    }

    [Fact]
    public async Task AnImageThatDoesNotFitWaitsUntilEnoughIsGivenBack()
    {
        using var budget = new DecodeBudget(100_000);
        var first = await budget.ReserveAsync(60_000, CancellationToken.None);

        var second = budget.ReserveAsync(60_000, CancellationToken.None).AsTask();
        Assert.InRange(budget.WaitingPixels, 60_000, 60_000 + 4096);
        Assert.False(second.IsCompleted);

        first.Dispose();
        using var granted = await second.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(granted.IsAcquired);
    }

    [Fact]
    public async Task WaitersAreServedOldestFirstSoALargeImageIsNotStarvedBySmallOnes()
    {
        using var budget = new DecodeBudget(100_000);
        var held = await budget.ReserveAsync(60_000, CancellationToken.None);
        var large = budget.ReserveAsync(90_000, CancellationToken.None).AsTask();

        var small = budget.ReserveAsync(28 * 28, CancellationToken.None).AsTask();
        Assert.InRange(budget.WaitingPixels, 90_000 + (28 * 28), 90_000 + (28 * 28) + (2 * 4096));
        Assert.False(small.IsCompleted, "a small image went ahead of a large one waiting before it");

        held.Dispose();
        using var largeLease = await large.WaitAsync(TimeSpan.FromSeconds(5));
        using var smallLease = await small.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(largeLease.IsAcquired);
        Assert.True(smallLease.IsAcquired);
    }

    [Fact]
    public async Task AWaitingReservationCanBeCancelled()
    {
        using var budget = new DecodeBudget(10_000);
        using var held = await budget.ReserveAsync(10_000, CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await budget.ReserveAsync(10_000, cancel.Token));
    }

    [Fact]
    public async Task AnImageLargerThanTheWholeBudgetWaitsForAllOfItRatherThanFailing()
    {
        using var budget = new DecodeBudget(10_000);
        using var lease = await budget.ReserveAsync(1_000_000, CancellationToken.None);

        Assert.True(lease.IsAcquired);
        Assert.Equal(0, budget.Available);
    }
}
