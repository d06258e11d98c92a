using System.Collections.Frozen;

namespace EventBus;

/// <summary>An immutable event envelope whose attributes follow CloudEvents 1.0.</summary>
/// <remarks>
/// <para>Attribute mapping: <see cref="Id"/> → <c>id</c>, <see cref="Source"/> → <c>source</c>, <see cref="Type"/> →
/// <c>type</c>, <see cref="Time"/> → <c>time</c>, <see cref="Subject"/> → <c>subject</c>, <see cref="DataContentType"/>
/// → <c>datacontenttype</c>, <see cref="SpecVersion"/> → <c>specversion</c>, <see cref="DataVersion"/> →
/// <c>dataschemaversion</c> (extension); extensions <c>correlationid</c>, <c>causationid</c>, <c>priority</c> and
/// <c>traceparent</c>.</para>
/// <para>Attributes left unset (<see cref="Time"/>, <see cref="Source"/>, <see cref="CorrelationId"/>,
/// <see cref="CausationId"/>) are stamped by the bus on publish: the time from the bus's <see cref="TimeProvider"/>,
/// the source from the options, and — when published from inside a handler — the correlation id of the event being
/// handled and its id as the causation id. A root event correlates to itself.</para>
/// </remarks>
public record Event
{
    /// <summary>The CloudEvents specification version this envelope follows.</summary>
    public const string CloudEventsSpecVersion = "1.0";

    /// <summary>The data version given to events that do not set one.</summary>
    public const string DefaultDataVersion = "1.0";


    private readonly string _type;

    // The id is kept as the UUID it was made from and formatted on first read: most events published in process are
    // delivered without anyone reading their id, and the 36-character string was most of what publishing allocated.
    private readonly Guid _uuid;
    private string? _id;

    // A root event correlates to itself: the correlation id is then the id, formatted when first read.
    private readonly string? _correlationId;
    private readonly bool _correlatesToSelf;

    // Every published envelope is allocated and stays queued until handled, so its size is what publishing costs in
    // memory traffic and garbage collection: the time is kept as its clock ticks and offset (not a 16-byte
    // DateTimeOffset), the priority as a byte, and the attributes most events leave at their defaults in one shared
    // object, copied when one of them is set.
    private readonly long _timeTicks;
    private readonly short _timeOffsetMinutes;
    private readonly byte _priority = (byte)EventPriority.Normal;
    private readonly RareAttributes _rare = RareAttributes.Defaults;

    /// <summary>Initializes a new instance of the <see cref="Event"/> class with a new UUIDv7 id.</summary>
    /// <param name="type">The event type, for example <c>order.placed</c>.</param>
    /// <param name="payload">The event data.</param>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not a valid event type name.</exception>
    public Event(string type, object? payload = null)
        : this(EventTypeName.Validate(type, nameof(type)), payload, null, Guid.CreateVersion7())
    {
    }

    /// <summary>Initializes a new instance with a known id; the bus uses it to stamp an envelope in one allocation.</summary>
    private protected Event(string type, object? payload, string id)
    {
        _type = EventTypeName.Validate(type, nameof(type));
        _id = id;
        Payload = payload;
    }

    /// <summary>Initializes a new instance whose id is <paramref name="id"/> when given, else <paramref name="uuid"/>,
    /// formatted when first read; <paramref name="type"/> was validated by the caller.</summary>
    private protected Event(string type, object? payload, string? id, Guid uuid)
    {
        _type = type;
        _id = id;
        _uuid = uuid;
        Payload = payload;
    }

    internal static IReadOnlyDictionary<string, string> NoHeaders { get; } = FrozenDictionary<string, string>.Empty;

    internal static string NewId() => Guid.CreateVersion7().ToString();

    /// <summary>Gets the unique id of the event (CloudEvents <c>id</c>); a UUIDv7 string unless set.</summary>
    /// <exception cref="ArgumentException">The value is empty or longer than 255 characters.</exception>
    public string Id
    {
        // Two threads may format it at once; both write the same text, so either copy is the id.
        get => _id ?? (_id = _uuid.ToString());
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(Id));
            if (value.Length > 255)
            {
                throw new ArgumentException($"Event id '{value[..32]}…' is longer than 255 characters.", nameof(Id));
            }

            if (_correlatesToSelf)
            {
                // A copy with another id keeps the correlation it had: the id it is copied from.
                _correlationId = Id;
                _correlatesToSelf = false;
            }

            _id = value;
        }
    }

    /// <summary>Gets the event type (CloudEvents <c>type</c>), lowercase dot-separated segments.</summary>
    /// <exception cref="ArgumentException">The value is not a valid event type name.</exception>
    public string Type
    {
        get => _type;
        init => _type = EventTypeName.Validate(value, nameof(Type));
    }

    /// <summary>Gets the event data.</summary>
    public object? Payload { get; init; }

    /// <summary>Gets the context in which the event happened (CloudEvents <c>source</c>, a URI reference).</summary>
    public string? Source { get; init; }

    /// <summary>Gets when the event happened (CloudEvents <c>time</c>); stamped on publish when left default.</summary>
    public DateTimeOffset Time
    {
        get => !HasTime ? default : new DateTimeOffset(_timeTicks, TimeSpan.FromMinutes(_timeOffsetMinutes));
        init
        {
            _timeTicks = value.Ticks;
            _timeOffsetMinutes = (short)(value.Offset.Ticks / TimeSpan.TicksPerMinute);
        }
    }

    /// <summary>Gets whether <see cref="Time"/> was set, without building it.</summary>
    internal bool HasTime => _timeTicks != 0 || _timeOffsetMinutes != 0;

    /// <summary>Gets the delivery priority; the default is <see cref="EventPriority.Normal"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="EventPriority"/>.</exception>
    public EventPriority Priority
    {
        get => (EventPriority)_priority;
        init
        {
            if (value is not (EventPriority.Low or EventPriority.Normal or EventPriority.High))
            {
                throw new ArgumentOutOfRangeException(nameof(Priority), value, "Priority must be Low (1), Normal (5) or High (10).");
            }

            _priority = (byte)value;
        }
    }

    /// <summary>Gets the id shared by every event of one business flow (extension <c>correlationid</c>).</summary>
    public string? CorrelationId
    {
        get => _correlationId ?? (_correlatesToSelf ? Id : null);
        init
        {
            _correlationId = value;
            _correlatesToSelf = false;
        }
    }

    /// <summary>Sets the correlation id to the event's own id (a root event), without formatting the id now.</summary>
    internal bool CorrelatesToSelf
    {
        init
        {
            _correlatesToSelf = value && _correlationId is null;
        }
    }

    /// <summary>Gets the id of the event that caused this one (extension <c>causationid</c>).</summary>
    public string? CausationId { get; init; }

    /// <summary>Gets the schema version of <see cref="Payload"/>; the default is <c>"1.0"</c>.</summary>
    /// <exception cref="ArgumentException">The value is empty.</exception>
    public string DataVersion
    {
        get => _rare.DataVersion;
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(DataVersion));
            if (!ReferenceEquals(value, _rare.DataVersion))
            {
                _rare = _rare with { DataVersion = value };
            }
        }
    }

    /// <summary>Gets the subject of the event within its source (CloudEvents <c>subject</c>), such as an order id.</summary>
    /// <remarks>The subject is the default ordering key of a subscription.</remarks>
    public string? Subject { get; init; }

    /// <summary>Gets the content type of <see cref="Payload"/> once serialized (CloudEvents <c>datacontenttype</c>).</summary>
    public string? DataContentType
    {
        get => _rare.DataContentType;
        init
        {
            if (!ReferenceEquals(value, _rare.DataContentType))
            {
                _rare = _rare with { DataContentType = value };
            }
        }
    }

    /// <summary>Gets the W3C trace context of the publisher (extension <c>traceparent</c>).</summary>
    public string? TraceParent
    {
        get => _rare.TraceParent;
        init
        {
            if (!ReferenceEquals(value, _rare.TraceParent))
            {
                _rare = _rare with { TraceParent = value };
            }
        }
    }

    /// <summary>Gets the CloudEvents specification version, always <c>"1.0"</c>.</summary>
    public string SpecVersion => CloudEventsSpecVersion;

    /// <summary>Gets additional string headers (CloudEvents extension attributes).</summary>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public IReadOnlyDictionary<string, string> Headers
    {
        get => _rare.Headers;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Headers));
            if (!ReferenceEquals(value, _rare.Headers))
            {
                _rare = _rare with { Headers = value };
            }
        }
    }

    /// <summary>Determines whether <paramref name="other"/> is the same kind of envelope with equal attributes and an
    /// equal payload (by its own equality).</summary>
    /// <param name="other">The envelope to compare with.</param>
    /// <returns><see langword="true"/> when every attribute and the payload are equal.</returns>
    public virtual bool Equals(Event? other) =>
        ReferenceEquals(this, other)
        || (other is not null
            && EqualityContract == other.EqualityContract
            && string.Equals(Id, other.Id, StringComparison.Ordinal)
            && string.Equals(_type, other._type, StringComparison.Ordinal)
            && Equals(Payload, other.Payload)
            && string.Equals(Source, other.Source, StringComparison.Ordinal)
            && Time.Equals(other.Time)
            && _priority == other._priority
            && string.Equals(CorrelationId, other.CorrelationId, StringComparison.Ordinal)
            && string.Equals(CausationId, other.CausationId, StringComparison.Ordinal)
            && string.Equals(DataVersion, other.DataVersion, StringComparison.Ordinal)
            && string.Equals(Subject, other.Subject, StringComparison.Ordinal)
            && string.Equals(DataContentType, other.DataContentType, StringComparison.Ordinal)
            && string.Equals(TraceParent, other.TraceParent, StringComparison.Ordinal)
            && Equals(Headers, other.Headers));

    /// <summary>Gets a hash code from the id, type and time (equal envelopes have equal ones).</summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode() => HashCode.Combine(EqualityContract, Id, _type, Time);

    /// <summary>The attributes most events leave at their defaults; shared, and replaced (never changed) when set.</summary>
    private sealed record RareAttributes(string DataVersion, IReadOnlyDictionary<string, string> Headers, string? DataContentType, string? TraceParent)
    {
        public static readonly RareAttributes Defaults = new(DefaultDataVersion, NoHeaders, null, null);
    }
}
