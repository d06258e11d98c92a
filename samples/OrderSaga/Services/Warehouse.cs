using System.Collections.Concurrent;

namespace EventBus.Samples.Orders.Services;

/// <summary>Stock per SKU, with reservations per order.</summary>
public sealed class Warehouse
{
    /// <summary>A SKU that is never in stock.</summary>
    public const string SoldOutSku = "LAMP-SOLD-OUT";

    /// <summary>The SKUs in stock, plenty of each.</summary>
    public static readonly IReadOnlyList<string> StockedSkus = ["BOOK-42", "MUG-7", "POSTER-3", "SOCKS-11"];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _stock = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Sku, int Quantity)> _reservations = new(StringComparer.Ordinal);

    public Warehouse(int stockPerSku = 1_000)
    {
        foreach (var sku in StockedSkus)
        {
            _stock[sku] = stockPerSku;
        }

        _stock[SoldOutSku] = 0;
    }

    /// <summary>Gets how many of a SKU are on the shelf.</summary>
    public int Available(string sku)
    {
        lock (_lock)
        {
            return _stock.GetValueOrDefault(sku);
        }
    }

    /// <summary>Gets a value indicating whether an order holds a reservation.</summary>
    public bool IsReserved(string orderId)
    {
        lock (_lock)
        {
            return _reservations.ContainsKey(orderId);
        }
    }

    /// <summary>Reserves goods for an order once; asking again for the same order succeeds without taking more.</summary>
    /// <returns><see langword="null"/> on success; otherwise why not.</returns>
    public string? Reserve(string orderId, string sku, int quantity)
    {
        lock (_lock)
        {
            if (_reservations.ContainsKey(orderId))
            {
                return null;
            }

            var available = _stock.GetValueOrDefault(sku);
            if (available < quantity)
            {
                return $"{sku}: {available} left, {quantity} wanted";
            }

            _stock[sku] = available - quantity;
            _reservations[orderId] = (sku, quantity);
            return null;
        }
    }

    /// <summary>Puts an order's reserved goods back once.</summary>
    public void Release(string orderId)
    {
        lock (_lock)
        {
            if (_reservations.Remove(orderId, out var reservation))
            {
                _stock[reservation.Sku] += reservation.Quantity;
            }
        }
    }
}
