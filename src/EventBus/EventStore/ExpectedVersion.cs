namespace EventBus;

/// <summary>The state a stream must be in for an append or a delete to succeed (optimistic concurrency).</summary>
/// <remarks>
/// Stream versions count events: the first event of a stream has version 1, and a stream with no events is at
/// version 0. <see cref="Exact"/>(0) and <see cref="NoStream"/> therefore accept the same streams.
/// </remarks>
public readonly struct ExpectedVersion : IEquatable<ExpectedVersion>
{
    private const long AnyValue = -1;
    private const long NoStreamValue = -2;
    private const long StreamExistsValue = -3;

    private readonly long _value;

    private ExpectedVersion(long value) => _value = value;

    /// <summary>Gets an expectation that accepts the stream in any state.</summary>
    public static ExpectedVersion Any => new(AnyValue);

    /// <summary>Gets an expectation that the stream has no events yet.</summary>
    public static ExpectedVersion NoStream => new(NoStreamValue);

    /// <summary>Gets an expectation that the stream has at least one event.</summary>
    public static ExpectedVersion StreamExists => new(StreamExistsValue);

    /// <summary>Gets the exact version expected, or <see langword="null"/> for <see cref="Any"/>,
    /// <see cref="NoStream"/> and <see cref="StreamExists"/>.</summary>
    public long? Version => _value >= 0 ? _value : null;

    /// <summary>Creates an expectation that the stream is at exactly <paramref name="version"/>.</summary>
    /// <param name="version">The version: the number of events the stream holds (0 for none).</param>
    /// <returns>The expectation.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is negative.</exception>
    public static ExpectedVersion Exact(long version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        return new(version);
    }

    /// <summary>Determines whether a stream at <paramref name="currentVersion"/> meets this expectation.</summary>
    /// <param name="currentVersion">The version of the stream: the number of events it holds, 0 when it has none.</param>
    /// <returns><see langword="true"/> if the stream meets the expectation; otherwise, <see langword="false"/>.</returns>
    public bool IsSatisfiedBy(long currentVersion) => _value switch
    {
        AnyValue => true,
        NoStreamValue => currentVersion == 0,
        StreamExistsValue => currentVersion > 0,
        _ => currentVersion == _value,
    };

    /// <inheritdoc />
    public bool Equals(ExpectedVersion other) => _value == other._value;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ExpectedVersion other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => _value switch
    {
        AnyValue => "any",
        NoStreamValue => "no stream",
        StreamExistsValue => "stream exists",
        _ => _value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Determines whether two expectations are equal.</summary>
    /// <param name="left">The first expectation.</param>
    /// <param name="right">The second expectation.</param>
    /// <returns><see langword="true"/> if they are equal; otherwise, <see langword="false"/>.</returns>
    public static bool operator ==(ExpectedVersion left, ExpectedVersion right) => left.Equals(right);

    /// <summary>Determines whether two expectations differ.</summary>
    /// <param name="left">The first expectation.</param>
    /// <param name="right">The second expectation.</param>
    /// <returns><see langword="true"/> if they differ; otherwise, <see langword="false"/>.</returns>
    public static bool operator !=(ExpectedVersion left, ExpectedVersion right) => !left.Equals(right);
}
