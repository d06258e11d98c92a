using EventBus.Samples.Orders.Services;

namespace EventBus.Tests.Samples.OrderSaga;

public sealed class ServicesTests
{
    [Fact]
    public void PaymentGateway_ChargeTwiceForOneOrder_ChargesOnce()
    {
        var gateway = new PaymentGateway();

        var first = gateway.Charge("A-1", PaymentGateway.GoodCard);
        var second = gateway.Charge("A-1", PaymentGateway.GoodCard);

        first.Outcome.Should().Be(PaymentOutcome.Approved);
        second.PaymentId.Should().Be(first.PaymentId);
        gateway.Charges.Should().ContainSingle();
    }

    [Fact]
    public void PaymentGateway_TestCards_DeclineOrStaySilent()
    {
        var gateway = new PaymentGateway();

        gateway.Charge("A-1", PaymentGateway.DeclinedCard).Should().Be(new PaymentDecision(PaymentOutcome.Declined, null, "card declined by issuer"));
        gateway.Charge("A-2", PaymentGateway.SilentCard).Outcome.Should().Be(PaymentOutcome.NoAnswer);
        gateway.Charges.Should().BeEmpty();
    }

    [Fact]
    public void PaymentGateway_RefundTwice_RefundsOnce()
    {
        var gateway = new PaymentGateway();

        gateway.Refund("A-1", 10m).Should().BeTrue();
        gateway.Refund("A-1", 10m).Should().BeFalse();
        gateway.Refunds.Should().ContainSingle().Which.Value.Should().Be(10m);
    }

    [Fact]
    public void Warehouse_ReserveAndRelease_AreIdempotentPerOrder()
    {
        var warehouse = new Warehouse(stockPerSku: 5);

        warehouse.Reserve("A-1", "BOOK-42", 3).Should().BeNull();
        warehouse.Reserve("A-1", "BOOK-42", 3).Should().BeNull();
        warehouse.Available("BOOK-42").Should().Be(2);
        warehouse.Reserve("A-2", "BOOK-42", 3).Should().Be("BOOK-42: 2 left, 3 wanted");
        warehouse.Release("A-1");
        warehouse.Release("A-1");
        warehouse.Available("BOOK-42").Should().Be(5);
        warehouse.IsReserved("A-1").Should().BeFalse();
    }

    [Fact]
    public void Warehouse_SoldOutSku_NeverReserves()
    {
        new Warehouse().Reserve("A-1", Warehouse.SoldOutSku, 1).Should().Contain("0 left");
    }

    [Fact]
    public void Carrier_UnservedCountry_BooksNothing()
    {
        var carrier = new Carrier();

        carrier.Book(Carrier.UnservedCountry).Should().BeNull();
        carrier.Book("NL").Should().Be("TRK-NL-00001");
        carrier.Book("JP").Should().Be("TRK-JP-00002");
    }
}
