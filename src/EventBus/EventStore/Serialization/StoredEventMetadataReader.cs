using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace EventBus.EventStore.Serialization;

/// <summary>Reads <see cref="StoredEventMetadata"/> straight from its UTF-8 JSON with a <see cref="Utf8JsonReader"/>,
/// without the serializer's per-call setup: the metadata of every event read goes through here.</summary>
/// <remarks>It reads what <see cref="EventStoreJsonContext"/> writes and what that context would accept the same way
/// (camel-case names, nulls, unknown properties skipped, the last of duplicate properties wins). Anything else — a
/// value of the wrong kind, invalid JSON — makes it give up, and the caller deserializes with the context, which
/// reports the error as before.</remarks>
internal static class StoredEventMetadataReader
{
    /// <summary>Reads the metadata; <see langword="false"/> when the JSON is not exactly what the context writes.</summary>
    /// <param name="json">The stored metadata.</param>
    /// <param name="known">Strings the event already has (its stream id and its id): a value equal to one of them is
    /// that string rather than a new copy. By default the subject is the stream id and a root event's correlation id
    /// is its own id.</param>
    /// <param name="metadata">The metadata read.</param>
    public static bool TryRead(ReadOnlySpan<byte> json, (string StreamId, string EventId) known, [NotNullWhen(true)] out StoredEventMetadata? metadata)
    {
        metadata = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var result = new StoredEventMetadata();
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    // Trailing content after the object is invalid JSON: the reader throws on it.
                    if (reader.Read())
                    {
                        return false;
                    }

                    metadata = result;
                    return true;
                }

                if (!TryReadProperty(ref reader, result, known))
                {
                    return false;
                }
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool TryReadProperty(ref Utf8JsonReader reader, StoredEventMetadata result, (string StreamId, string EventId) known)
    {
        if (reader.TokenType != JsonTokenType.PropertyName)
        {
            return false;
        }

        if (reader.ValueTextEquals("time"u8))
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var time))
            {
                return false;
            }

            result.Time = time;
            return true;
        }

        if (reader.ValueTextEquals("priority"u8))
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var priority))
            {
                return false;
            }

            result.Priority = priority;
            return true;
        }

        if (reader.ValueTextEquals("headers"u8))
        {
            return TryReadHeaders(ref reader, result);
        }

        string? value;
        if (reader.ValueTextEquals("subject"u8))
        {
            if (!TryReadString(ref reader, known, out value))
            {
                return false;
            }

            result.Subject = value;
        }
        else if (reader.ValueTextEquals("correlationId"u8))
        {
            if (!TryReadString(ref reader, known, out value))
            {
                return false;
            }

            result.CorrelationId = value;
        }
        else if (reader.ValueTextEquals("causationId"u8))
        {
            if (!TryReadString(ref reader, known, out value))
            {
                return false;
            }

            result.CausationId = value;
        }
        else if (reader.ValueTextEquals("source"u8))
        {
            if (!TryReadString(ref reader, known, out value))
            {
                return false;
            }

            result.Source = value;
        }
        else if (reader.ValueTextEquals("traceParent"u8))
        {
            if (!TryReadString(ref reader, known, out value))
            {
                return false;
            }

            result.TraceParent = value;
        }
        else if (reader.ValueTextEquals("dataContentType"u8))
        {
            if (!TryReadString(ref reader, known, out value))
            {
                return false;
            }

            result.DataContentType = value;
        }
        else
        {
            // A property this version does not know (written by a newer one): skipped, as the context does.
            reader.Read();
            reader.Skip();
        }

        return true;
    }

    private static bool TryReadString(ref Utf8JsonReader reader, (string StreamId, string EventId) known, out string? value)
    {
        reader.Read();
        value = reader.TokenType != JsonTokenType.String ? null
            : reader.ValueTextEquals(known.StreamId) ? known.StreamId
            : reader.ValueTextEquals(known.EventId) ? known.EventId
            : reader.GetString();
        return reader.TokenType is JsonTokenType.String or JsonTokenType.Null;
    }

    private static bool TryReadHeaders(ref Utf8JsonReader reader, StoredEventMetadata result)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            result.Headers = null;
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                return false;
            }

            headers[name] = reader.GetString()!;
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return false;
        }

        result.Headers = headers;
        return true;
    }
}
