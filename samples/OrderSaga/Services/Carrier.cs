namespace EventBus.Samples.Orders.Services;

/// <summary>A pretend carrier that ships to most countries.</summary>
public sealed class Carrier
{
    /// <summary>A destination no carrier serves.</summary>
    public const string UnservedCountry = "AQ";

    /// <summary>The countries the sample ships to.</summary>
    public static readonly IReadOnlyList<string> ServedCountries = ["NL", "DE", "FR", "GB", "US", "JP"];

    private int _sequence;

    /// <summary>Books a shipment.</summary>
    /// <returns>A tracking number, or <see langword="null"/> when the destination is not served.</returns>
    public string? Book(string country) =>
        country == UnservedCountry ? null : $"TRK-{country}-{Interlocked.Increment(ref _sequence):D5}";
}
