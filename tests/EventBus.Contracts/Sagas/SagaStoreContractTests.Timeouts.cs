namespace EventBus.Contracts.Sagas;

/// <summary>Timeouts as claimable work: each due timeout goes to one claimant while its claim holds.</summary>
public abstract partial class SagaStoreContractTests
{
    private static readonly TimeSpan Claim = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task ClaimDueTimeoutsAsync_BeforeDue_ClaimsNothing()
    {
        var store = CreateStore();
        await store.SaveAsync(WithTimeouts("order-1", ("t1", T0.AddMinutes(5))), 0);

        var claimed = await store.ClaimDueTimeoutsAsync(SagaName, T0.AddMinutes(5).AddTicks(-1), "a", Claim, 10);

        claimed.Should().BeEmpty();
    }

    [Fact]
    public async Task ClaimDueTimeoutsAsync_WhenDue_ReturnsTheTimeoutClaimedUntilNowPlusDuration()
    {
        var store = CreateStore();
        await store.SaveAsync(WithTimeouts("order-1", ("t1", T0.AddMinutes(5))), 0);
        var now = T0.AddMinutes(5);

        var claimed = await store.ClaimDueTimeoutsAsync(SagaName, now, "a", Claim, 10);

        var claim = claimed.Should().ContainSingle().Subject;
        claim.SagaName.Should().Be(SagaName);
        claim.CorrelationKey.Should().Be("order-1");
        claim.Claimant.Should().Be("a");
        claim.ClaimedUntil.Should().Be(now + Claim);
        claim.Timeout.Id.Should().Be("t1");
        claim.Timeout.Name.Should().Be("name-t1");
        claim.Timeout.DueTime.Should().Be(T0.AddMinutes(5));
        claim.Timeout.Event.Id.Should().Be("event-t1");
        claim.Timeout.Event.Headers.Should().Contain("eventbus-saga-timeout", "t1");
    }

    [Fact]
    public async Task ClaimDueTimeoutsAsync_SecondClaimantWhileClaimHolds_GetsNothing()
    {
        var store = CreateStore();
        await store.SaveAsync(WithTimeouts("order-1", ("t1", T0)), 0);

        var first = await store.ClaimDueTimeoutsAsync(SagaName, T0, "a", Claim, 10);
        var second = await store.ClaimDueTimeoutsAsync(SagaName, T0 + Claim - TimeSpan.FromSeconds(1), "b", Claim, 10);

        first.Should().ContainSingle();
        second.Should().BeEmpty();
    }

    [Fact]
    public async Task ClaimDueTimeoutsAsync_TwoClaimantsRacing_EachTimeoutGoesToExactlyOne()
    {
        var store = CreateStore();
        for (var i = 0; i < 20; i++)
        {
            await store.SaveAsync(WithTimeouts("order-" + i, ("t" + i, T0.AddSeconds(i))), 0);
        }

        var claims = await Task.WhenAll(
            Enumerable.Range(0, 8).Select(n => store.ClaimDueTimeoutsAsync(SagaName, T0.AddMinutes(1), "claimant-" + n, Claim, 5).AsTask()));

        claims.SelectMany(c => c).Select(c => c.Timeout.Id).Should().OnlyHaveUniqueItems().And.HaveCount(20);
    }

    [Fact]
    public async Task ClaimDueTimeoutsAsync_AfterClaimLapsed_IsClaimableAgain()
    {
        var store = CreateStore();
        await store.SaveAsync(WithTimeouts("order-1", ("t1", T0)), 0);
        await store.ClaimDueTimeoutsAsync(SagaName, T0, "a", Claim, 10);

        var again = await store.ClaimDueTimeoutsAsync(SagaName, T0 + Claim, "b", Claim, 10);

        again.Should().ContainSingle().Which.Claimant.Should().Be("b");
    }

    [Fact]
    public async Task ClaimDueTimeoutsAsync_MoreDueThanMax_ClaimsTheEarliestFirst()
    {
        var store = CreateStore();
        await store.SaveAsync(WithTimeouts("order-1", ("late", T0.AddSeconds(3)), ("early", T0.AddSeconds(1))), 0);
        await store.SaveAsync(WithTimeouts("order-2", ("middle", T0.AddSeconds(2))), 0);

        var first = await store.ClaimDueTimeoutsAsync(SagaName, T0.AddMinutes(1), "a", Claim, 2);
        var rest = await store.ClaimDueTimeoutsAsync(SagaName, T0.AddMinutes(1), "a", Claim, 2);

        first.Select(c => c.Timeout.Id).Should().Equal("early", "middle");
        rest.Select(c => c.Timeout.Id).Should().Equal("late");
    }

    [Fact]
    public async Task ClaimDueTimeoutsAsync_OtherSaga_ClaimsNothing()
    {
        var store = CreateStore();
        await store.SaveAsync(WithTimeouts("order-1", ("t1", T0)), 0);

        var claimed = await store.ClaimDueTimeoutsAsync("OtherSaga", T0.AddMinutes(1), "a", Claim, 10);

        claimed.Should().BeEmpty();
    }

    [Fact]
    public async Task ReleaseTimeoutAsync_ByTheClaimant_MakesItClaimableRightAway()
    {
        var store = CreateStore();
        await store.SaveAsync(WithTimeouts("order-1", ("t1", T0)), 0);
        var claim = (await store.ClaimDueTimeoutsAsync(SagaName, T0, "a", Claim, 10)).Single();

        var released = await store.ReleaseTimeoutAsync(claim);
        var again = await store.ClaimDueTimeoutsAsync(SagaName, T0, "b", Claim, 10);

        released.Should().BeTrue();
        again.Should().ContainSingle().Which.Timeout.Id.Should().Be("t1");
    }

    [Fact]
    public async Task ReleaseTimeoutAsync_AfterAnotherClaimantTookIt_ReturnsFalseAndKeepsTheirClaim()
    {
        var store = CreateStore();
        await store.SaveAsync(WithTimeouts("order-1", ("t1", T0)), 0);
        var stale = (await store.ClaimDueTimeoutsAsync(SagaName, T0, "a", Claim, 10)).Single();
        await store.ClaimDueTimeoutsAsync(SagaName, T0 + Claim, "b", Claim, 10);

        var released = await store.ReleaseTimeoutAsync(stale);
        var third = await store.ClaimDueTimeoutsAsync(SagaName, T0 + Claim, "c", Claim, 10);

        released.Should().BeFalse();
        third.Should().BeEmpty();
    }

    [Fact]
    public async Task CompleteTimeoutAsync_ByTheClaimant_IsNeverClaimedAgain()
    {
        var store = CreateStore();
        var instance = WithTimeouts("order-1", ("t1", T0));
        await store.SaveAsync(instance, 0);
        var claim = (await store.ClaimDueTimeoutsAsync(SagaName, T0, "a", Claim, 10)).Single();

        var completed = await store.CompleteTimeoutAsync(claim);
        await store.SaveAsync(instance with { State = new ContractSagaState { Count = 2 } }, 1); // still lists it
        var later = await store.ClaimDueTimeoutsAsync(SagaName, T0 + (Claim * 10), "b", Claim, 10);

        completed.Should().BeTrue();
        later.Should().BeEmpty();
        (await store.FindAsync<ContractSagaState>(SagaName, "order-1"))!.Timeouts.Should().ContainSingle("the instance's list is the record");
    }

    [Fact]
    public async Task CompleteTimeoutAsync_AfterAnotherClaimantTookIt_ReturnsFalse()
    {
        var store = CreateStore();
        await store.SaveAsync(WithTimeouts("order-1", ("t1", T0)), 0);
        var stale = (await store.ClaimDueTimeoutsAsync(SagaName, T0, "a", Claim, 10)).Single();
        await store.ClaimDueTimeoutsAsync(SagaName, T0 + Claim, "b", Claim, 10);

        var completed = await store.CompleteTimeoutAsync(stale);

        completed.Should().BeFalse();
    }

    [Fact]
    public async Task SaveAsync_DroppingATimeout_MakesItUnclaimable()
    {
        var store = CreateStore();
        await store.SaveAsync(WithTimeouts("order-1", ("t1", T0), ("t2", T0)), 0);

        await store.SaveAsync(WithTimeouts("order-1", ("t2", T0)), 1);
        var claimed = await store.ClaimDueTimeoutsAsync(SagaName, T0, "a", Claim, 10);

        claimed.Select(c => c.Timeout.Id).Should().Equal("t2");
    }

    [Fact]
    public async Task SaveAsync_DroppingAClaimedTimeout_CompleteReturnsFalse()
    {
        var store = CreateStore();
        await store.SaveAsync(WithTimeouts("order-1", ("t1", T0)), 0);
        var claim = (await store.ClaimDueTimeoutsAsync(SagaName, T0, "a", Claim, 10)).Single();

        await store.SaveAsync(WithTimeouts("order-1"), 1); // the saga handled it
        var completed = await store.CompleteTimeoutAsync(claim);

        completed.Should().BeFalse();
        (await store.ClaimDueTimeoutsAsync(SagaName, T0 + (Claim * 10), "b", Claim, 10)).Should().BeEmpty();
    }

    [Fact]
    public async Task SaveAsync_KeepingAClaimedTimeout_KeepsTheClaim()
    {
        var store = CreateStore();
        await store.SaveAsync(WithTimeouts("order-1", ("t1", T0)), 0);
        await store.ClaimDueTimeoutsAsync(SagaName, T0, "a", Claim, 10);

        await store.SaveAsync(WithTimeouts("order-1", ("t1", T0), ("t2", T0)), 1);
        var claimed = await store.ClaimDueTimeoutsAsync(SagaName, T0, "b", Claim, 10);

        claimed.Select(c => c.Timeout.Id).Should().Equal("t2");
    }

    [Fact]
    public async Task SaveAsync_LosingAConcurrencyRace_ChangesNoTimeouts()
    {
        var store = CreateStore();
        await store.SaveAsync(WithTimeouts("order-1", ("t1", T0)), 0);
        await store.SaveAsync(WithTimeouts("order-1", ("t1", T0)), 1);

        var stale = () => store.SaveAsync(WithTimeouts("order-1", ("t2", T0)), 1).AsTask();

        await stale.Should().ThrowAsync<SagaConcurrencyException>();
        (await store.ClaimDueTimeoutsAsync(SagaName, T0, "a", Claim, 10)).Select(c => c.Timeout.Id).Should().Equal("t1");
    }

    [Fact]
    public async Task ClaimDueTimeoutsAsync_InvalidArguments_Throw()
    {
        var store = CreateStore();

        await FluentActions.Awaiting(() => store.ClaimDueTimeoutsAsync(" ", T0, "a", Claim, 1).AsTask()).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => store.ClaimDueTimeoutsAsync(SagaName, T0, "", Claim, 1).AsTask()).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => store.ClaimDueTimeoutsAsync(SagaName, T0, "a", TimeSpan.Zero, 1).AsTask()).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => store.ClaimDueTimeoutsAsync(SagaName, T0, "a", Claim, 0).AsTask()).Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    private static SagaInstance<ContractSagaState> WithTimeouts(string key, params (string Id, DateTimeOffset Due)[] timeouts) =>
        NewInstance(key) with
        {
            Timeouts = [.. timeouts.Select(t => new SagaTimeout
            {
                Id = t.Id,
                Name = "name-" + t.Id,
                DueTime = t.Due,
                Event = new Event<ContractSagaEvent>("contract.saga-event", new ContractSagaEvent(key, 1))
                {
                    Id = "event-" + t.Id,
                    Headers = new Dictionary<string, string> { ["eventbus-saga"] = SagaName, ["eventbus-saga-timeout"] = t.Id },
                },
            })],
        };
}
